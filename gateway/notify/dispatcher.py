"""Delivers notifications to their channels, each channel on its own worker.

A notification arrives here only after the change that caused it was committed, and it is
already in the ``notifications`` outbox as ``pending``. The router picks its channels (the
log always); each channel works through its own queue (``gateway/notify/queue.py``:
critical first, minor notices merged into digests under the channel's rate limit) with its
own timeout per attempt and retries with backoff, so a slow or failing channel never delays
another or the pipeline, and a failing notice never delays a critical one.
When a channel gives up, the route's failover channel gets the notification instead. Once
every channel has delivered or given up, the outbox row is marked ``sent`` (or ``failed``, if
a failure was not covered by a failover); at start-up, rows still ``pending`` are delivered
again, so a restart loses no notification.

Scheduling (rate windows, retry delays, waits, each attempt's timeout) runs on an injected
``Timer`` (``gateway/notify/timer.py``): the event loop's clock in production, a ``FakeTimer``
moved by hand in tests. The injected ``Clock`` dates the outbox marks and digests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.backoff import Backoff
from core.clock import Clock
from gateway.metrics import Metrics
from gateway.notification import Notification, decode_notification
from gateway.notify.base import Notifier
from gateway.notify.queue import ChannelQueue, Entry
from gateway.notify.routing import Router
from gateway.notify.timer import LoopTimer, Timer
from gateway.store import schema
from gateway.store.db import UNAVAILABLE
from gateway.store.writer import StoreWriter

log = logging.getLogger(__name__)

_MARK = (
    sa.update(schema.notifications)
    .where(schema.notifications.c.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("status"),
        sent_ms=sa.bindparam("sent_ms"),
        attempts=sa.bindparam("attempts"),
        last_error=sa.bindparam("last_error"),
    )
)


@dataclass
class _Delivery:
    """One notification on its way: which channels still owe an outcome."""

    remaining: int
    tried: set[str] = field(default_factory=set)
    uncovered: int = 0  # failures no failover made good
    attempts: int = 0
    error: str | None = None


class Dispatcher:
    def __init__(
        self,
        *,
        notifiers: dict[str, Notifier],
        router: Router,
        store: StoreWriter,
        metrics: Metrics,
        clock: Clock,
        retry_min_s: float = 1.0,
        retry_max_s: float = 60.0,
        timer: Timer | None = None,
    ) -> None:
        self._notifiers = notifiers
        self._router = router
        self._store = store
        self._metrics = metrics
        self._clock = clock
        self._timer: Timer = timer if timer is not None else LoopTimer()
        self._retry_min = retry_min_s
        self._retry_max = retry_max_s
        self._queues: dict[str, ChannelQueue] = {
            name: ChannelQueue(per_minute=n.rate_limit_per_min) for name, n in notifiers.items()
        }
        self._wakes: dict[str, asyncio.Event] = {name: asyncio.Event() for name in notifiers}
        self._outstanding: dict[str, _Delivery] = {}
        self._finished: list[dict[str, Any]] = []
        self._wake_marks = asyncio.Event()

    def _now(self) -> int:
        """Scheduling time (rate windows, retry delays): the timer's, the one the workers
        sleep on. The injected clock dates the outbox marks."""
        return self._timer.now_ms()

    def enqueue(self, notifications: Iterable[Notification]) -> None:
        now = self._now()
        for notification in notifications:
            if notification.id in self._outstanding:
                continue
            targets = ["log"] + [
                name for name in self._router.channels(notification) if name in self._notifiers
            ]
            self._outstanding[notification.id] = _Delivery(
                remaining=len(targets), tried=set(targets)
            )
            for name in targets:
                self._put(name, notification, now)

    def _put(self, channel: str, notification: Notification, now: int) -> None:
        self._queues[channel].put(notification, now_ms=now)
        self._wakes[channel].set()

    @property
    def outstanding(self) -> int:
        return len(self._outstanding)

    async def run(self) -> None:
        workers = [
            asyncio.create_task(self._work(notifier), name=f"notify-{name}")
            for name, notifier in self._notifiers.items()
        ]
        try:
            await self._mark_loop()
        finally:
            for worker in workers:
                worker.cancel()
            for worker in workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            for notifier in self._notifiers.values():
                await notifier.close()

    async def flush(self) -> None:
        """Write the outcome of finished notifications now (shutdown)."""
        await self._write_marks()

    @staticmethod
    def load_pending(conn: Connection) -> list[Notification]:
        n = schema.notifications
        rows = conn.execute(
            sa.select(n.c.payload).where(n.c.status == "pending").order_by(n.c.created_ms, n.c.id)
        )
        return [decode_notification(row.payload) for row in rows]

    # ---- workers ----------------------------------------------------------------------

    async def _work(self, notifier: Notifier) -> None:
        queue, wake = self._queues[notifier.name], self._wakes[notifier.name]
        while True:
            wake.clear()
            taken = queue.take(self._now())
            if isinstance(taken, list):
                await self._attempt(notifier, taken)
                continue
            await self._timer.wait(wake, taken)

    async def _attempt(self, notifier: Notifier, entries: list[Entry]) -> None:
        """One attempt at one notice, or at a digest of several."""
        if len(entries) == 1:
            message = entries[0].notification
        else:
            parts = tuple(e.notification for e in entries)
            message = Notification(
                id=f"digest-{parts[0].id}-{len(parts)}",
                reason="digest",
                created_ms=self._clock.now_ms(),
                digest=parts,
            )
            self._metrics.notifications.labels(notifier.name, "digest").inc()
        for entry in entries:
            self._outstanding[entry.notification.id].attempts += 1
        try:
            await self._timer.within(notifier.send(message), int(notifier.timeout_s * 1000))
        except Exception as exc:  # noqa: BLE001 - a channel's failure must never escape
            reason = "timeout" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            self._metrics.notifications.labels(notifier.name, "failed").inc()
            for entry in entries:
                self._failed(notifier, entry, f"{notifier.name}: {reason}"[:500])
        else:
            self._metrics.notifications.labels(notifier.name, "sent").inc()
            for entry in entries:
                self._settle(notifier.name, entry.notification, delivered=True)

    def _failed(self, notifier: Notifier, entry: Entry, error: str) -> None:
        notification = entry.notification
        self._outstanding[notification.id].error = error
        entry.attempts += 1
        attempts = notifier.retries + 1
        log.warning(
            "notify %s failed (attempt %d/%d) for %s %s: %s",
            notifier.name, entry.attempts, attempts, notification.subject, notification.id, error,
        )  # fmt: skip
        if entry.attempts < attempts:
            backoff = Backoff(initial=self._retry_min, maximum=self._retry_max)
            jittered = backoff.delay(entry.attempts - 1)
            self._queues[notifier.name].retry(entry, at_ms=self._now() + int(jittered * 1000))
            return
        self._settle(notifier.name, notification, delivered=False)

    def _settle(self, channel: str, notification: Notification, *, delivered: bool) -> None:
        state = self._outstanding[notification.id]
        state.remaining -= 1
        if not delivered:
            failover = self._router.failover(notification, channel)
            if failover and failover in self._notifiers and failover not in state.tried:
                log.warning("notify %s gave up; failing over to %s", channel, failover)
                self._metrics.notifications.labels(failover, "failover").inc()
                state.tried.add(failover)
                state.remaining += 1
                self._put(failover, notification, self._now())
            else:
                state.uncovered += 1
        if state.remaining == 0:
            del self._outstanding[notification.id]
            self._finished.append(
                {
                    "b_id": notification.id,
                    "status": "failed" if state.uncovered else "sent",
                    "sent_ms": self._clock.now_ms(),
                    "attempts": state.attempts,
                    "last_error": state.error,
                }
            )
            self._wake_marks.set()

    # ---- outbox -----------------------------------------------------------------------

    async def _mark_loop(self) -> None:
        while True:
            await self._wake_marks.wait()
            self._wake_marks.clear()
            if not await self._write_marks():  # the database is away: try again shortly
                await self._timer.sleep(1000)
                self._wake_marks.set()
            # Marks that finished during the write have set the wake again themselves.

    async def _write_marks(self) -> bool:
        """False when the marks could not be written (they are kept for the next try)."""
        if not self._finished:
            return True
        if not self._store.available:
            return False
        marks, self._finished = self._finished, []
        try:
            await self._store.run_in_store(lambda conn: conn.execute(_MARK, marks))
        except UNAVAILABLE:
            self._finished[:0] = marks
            return False
        return True
