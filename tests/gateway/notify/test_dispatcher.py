"""The dispatcher: critical first, rate limits and digests, retries with backoff, timeouts,
failover, one channel never holding up another, the outbox marked.

No socket and no wall clock: the channels are FakeNotifiers (``gateway/notify/fake.py``) and
time is a FakeTimer moved by hand; ``settle()`` returns when every worker has done all it can
at the current time. (Each channel's wire format is tested against local servers in
``test_channels.py``.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import sqlalchemy as sa

from alerting.model import Alarm
from core.config import Route
from gateway.metrics import Metrics
from gateway.notification import Notification
from gateway.notify.base import Notifier
from gateway.notify.dispatcher import Dispatcher
from gateway.notify.fake import FakeNotifier
from gateway.notify.log import LogNotifier
from gateway.notify.routing import Router
from gateway.notify.timer import FakeTimer
from gateway.store import schema
from gateway.store.alarms import notification_row
from gateway.store.writer import StoreWriter


def notice(i: int, kind: str = "device_offline", severity: str = "warning") -> Notification:
    alarm = Alarm(
        id=f"A{i}", kind=kind, severity=severity, status="active", building_id="B1",
        device_id=f"d{i}", device_ids=(f"d{i}",), opened_ms=i, updated_ms=i,
    )  # fmt: skip
    return Notification(id=f"N{i}", reason="opened", created_ms=i, alarm=alarm)


def fire(i: int) -> Notification:
    return notice(i, "fire", "critical")


class Desk:
    """A dispatcher over fake channels (and the real log) on a FakeTimer."""

    def __init__(self, store: StoreWriter, channels: list[FakeNotifier], routes: list[Route]):
        self.timer = FakeTimer()
        self.metrics = Metrics()
        notifiers: dict[str, Notifier] = {"log": LogNotifier()}
        notifiers.update({channel.name: channel for channel in channels})
        self.dispatcher = Dispatcher(
            notifiers=notifiers, router=Router(routes), store=store, metrics=self.metrics,
            clock=self.timer.clock, timer=self.timer,
        )  # fmt: skip
        self._workers = len(notifiers)

    async def settle(self) -> None:
        """Until every channel's worker waits with nothing to send at this time."""
        await self.timer.idle(self._workers)

    async def advance(self, ms: int) -> None:
        self.timer.advance(ms)
        await self.settle()

    def count(self, channel: str, result: str) -> float:
        value: float = self.metrics.notifications.labels(channel, result)._value.get()
        return value

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Desk]:
        task = asyncio.create_task(self.dispatcher.run())
        try:
            yield self
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def run(test: Callable[[], Awaitable[Any]]) -> Any:
    async def guarded() -> Any:
        # Only a guard against a hang: no outcome depends on how long anything takes.
        async with asyncio.timeout(60):
            return await test()

    return asyncio.run(guarded())


def test_a_failed_send_is_retried_with_backoff_then_delivered(store: StoreWriter) -> None:
    hook = FakeNotifier(name="hook", retries=3)
    hook.fail(2)
    desk = Desk(store, [hook], [Route(channels=["hook"])])

    async def test() -> None:
        async with desk.running():
            desk.dispatcher.enqueue([notice(1)])
            await desk.settle()
            assert (len(hook.attempts), hook.sent) == (1, [])
            # The first retry waits 0.5 to 1 s (jittered backoff from retry_min_s = 1 s)...
            await desk.advance(499)
            assert len(hook.attempts) == 1
            await desk.advance(501)
            assert (len(hook.attempts), hook.sent) == (2, [])
            # ...the second 1 to 2 s.
            await desk.advance(2000)
            assert len(hook.attempts) == 3 and [n.id for n in hook.sent] == ["N1"]
            assert desk.dispatcher.outstanding == 0

    run(test)
    assert (desk.count("hook", "failed"), desk.count("hook", "sent")) == (2, 1)
    assert desk.count("log", "sent") == 1  # the log, always


def test_failover_when_a_channel_gives_up(store: StoreWriter) -> None:
    primary = FakeNotifier(name="primary", retries=1)
    primary.fail(100)
    backup = FakeNotifier(name="backup")
    desk = Desk(store, [primary, backup], [Route(channels=["primary"], failover="backup")])

    async def test() -> None:
        async with desk.running():
            desk.dispatcher.enqueue([notice(1)])
            await desk.settle()
            assert backup.attempts == []  # the primary has a retry left
            await desk.advance(1000)
            assert len(primary.attempts) == 2  # the first try and one retry
            assert [n.id for n in backup.sent] == ["N1"]

    run(test)
    assert desk.count("backup", "failover") == 1


def test_a_hanging_channel_times_out_and_never_holds_up_another(store: StoreWriter) -> None:
    slow = FakeNotifier(name="slow", timeout_s=0.3)
    slow.hold()  # answers nothing until released
    fast = FakeNotifier(name="fast")
    desk = Desk(store, [slow, fast], [Route(channels=["slow", "fast"])])

    async def test() -> None:
        async with desk.running():
            desk.dispatcher.enqueue([notice(i) for i in range(5)])
            # All five reach the fast channel while the slow one hangs on its first.
            await fast.wait_sent(5)
            assert len(slow.attempts) == 1
            for i in range(5):
                await slow.wait_attempts(i + 1)
                desk.timer.advance(300)  # its timeout_s: the attempt is given up
            await desk.settle()
            assert slow.sent == [] and desk.dispatcher.outstanding == 0

    run(test)
    assert desk.count("slow", "failed") == 5  # five timeouts of 0.3 s, not five hangs
    assert desk.count("fast", "sent") == 5


def test_a_fire_goes_ahead_of_a_storm_and_the_storm_leaves_as_digests(
    store: StoreWriter,
) -> None:
    robot = FakeNotifier(name="robot", rate_limit_per_min=20)  # a DingTalk robot
    desk = Desk(store, [robot], [Route(channels=["robot"])])

    async def test() -> None:
        desk.dispatcher.enqueue([notice(i) for i in range(300)])  # 300 offline notices at once
        desk.dispatcher.enqueue([fire(999)])
        async with desk.running():
            await desk.settle()

    run(test)
    # One send for the fire, first; the 300 in two digests (at most 200 each): three sends,
    # well inside the robot's 20 a minute, and no time had to pass.
    assert robot.sent[0].id == "N999"
    assert [len(d.digest) for d in robot.sent[1:]] == [200, 100]
    assert desk.count("robot", "digest") == 2


def test_the_rate_limit_holds_notices_until_the_window_frees(store: StoreWriter) -> None:
    robot = FakeNotifier(name="robot", rate_limit_per_min=20)
    desk = Desk(store, [robot], [Route(channels=["robot"])])

    async def test() -> None:
        async with desk.running():
            start = desk.timer.now_ms()
            desk.dispatcher.enqueue([fire(i) for i in range(25)])  # critical: never merged
            await desk.settle()
            assert len(robot.sent) == 20
            assert desk.timer.next_deadline_ms == start + 60_000
            await desk.advance(59_999)
            assert len(robot.sent) == 20
            await desk.advance(1)
            assert [n.id for n in robot.sent] == [f"N{i}" for i in range(25)]

    run(test)


def test_a_notice_waiting_for_its_retry_never_holds_up_a_fire(store: StoreWriter) -> None:
    duty = FakeNotifier(name="duty", retries=2)
    duty.fail(1)
    desk = Desk(store, [duty], [Route(channels=["duty"])])

    async def test() -> None:
        async with desk.running():
            desk.dispatcher.enqueue([notice(1)])
            await desk.settle()
            desk.dispatcher.enqueue([fire(2)])
            await desk.settle()
            assert [n.id for n in duty.sent] == ["N2"]
            await desk.advance(1000)
            assert [n.id for n in duty.sent] == ["N2", "N1"]

    run(test)


def test_the_outbox_is_marked_sent_or_failed(store: StoreWriter) -> None:
    good, bad = FakeNotifier(name="good"), FakeNotifier(name="bad")
    bad.fail(1)
    desk = Desk(
        store, [good, bad],
        [Route(channels=["good"], kinds=["fire"]), Route(channels=["bad"], kinds=["gas"])],
    )  # fmt: skip
    notes = [fire(1), notice(2, "gas", "critical")]

    def insert(conn: sa.Connection) -> None:
        rows = [msgspec.to_builtins(notification_row(n)) for n in notes]
        conn.execute(sa.insert(schema.notifications), rows)

    def marks(conn: sa.Connection) -> dict[str, tuple[str, int, str | None]]:
        n = schema.notifications
        rows = conn.execute(sa.select(n.c.id, n.c.status, n.c.attempts, n.c.last_error))
        return {row.id: (row.status, row.attempts, row.last_error) for row in rows}

    async def test() -> dict[str, tuple[str, int, str | None]]:
        await store.run_in_store(insert)
        async with desk.running():
            desk.dispatcher.enqueue(notes)
            await desk.settle()
            await desk.dispatcher.flush()
            return await store.run_in_store(marks)  # type: ignore[no-any-return]

    outcome = run(test)
    assert outcome["N1"] == ("sent", 2, None)  # the log and the good channel
    assert outcome["N2"][0] == "failed" and "bad: NotifyError" in str(outcome["N2"][2])
