"""The pipeline's loop: which turn comes next, and what a refused command keeps.

A real SQLite store, a fake series sink and a recording notifier; the clock is fake, so a
timer falls due exactly when the test says."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from adapters import RawMessage, default_registry
from alerting.model import AlarmError
from alerting.rule_engine import RuleEngine
from core.clock import FakeClock
from core.config import (
    AlertingConfig,
    DevicesConfig,
    IngestConfig,
    NotifyConfig,
    Route,
    SeriesConfig,
    TicketsConfig,
)
from core.ids import IdFactory
from gateway.audit import Actor
from gateway.collector import Collector
from gateway.commands import AlarmCommands, TicketCommands
from gateway.dedup import Deduplicator
from gateway.device_index import DeviceIndex
from gateway.hub import EventHub, HubEvent
from gateway.intake import Intake
from gateway.metrics import Metrics
from gateway.notification import Notification
from gateway.notify.base import Notifier
from gateway.notify.dispatcher import Dispatcher
from gateway.notify.log import LogNotifier
from gateway.notify.routing import Router
from gateway.pipeline import Pipeline
from gateway.processor import Processor
from gateway.series.sinks.fake import FakeSink
from gateway.series.writer import SeriesWriter
from gateway.shapes import AlarmObject
from gateway.spool import Spool
from gateway.status import StatusTracker
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.writer import StoreWriter
from gateway.tickets import TicketDesk
from gateway.unread import UnreadFields

DUTY = Actor(name="duty", role="duty")


class Recorder:
    name = "rec"
    timeout_s = 1.0
    retries = 0
    rate_limit_per_min: int | None = None

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def send(self, notification: Notification) -> None:
        self.sent.append(notification)

    async def close(self) -> None:
        pass


class Rig:
    def __init__(
        self,
        tmp_path: Path,
        *,
        batch_max: int = 1000,
        series: SeriesConfig | None = None,
        notifiers: dict[str, Notifier] | None = None,
        routes: list[Route] | None = None,
    ) -> None:
        """``notifiers`` and ``routes``: channels besides the log and ``rec`` (which has
        every alarm and ticket), and the routes to them."""
        self.tmp_path = tmp_path
        self.clock = FakeClock()
        metrics = Metrics()
        self.db = create_engine(f"sqlite:///{tmp_path / 'p.db'}")
        upgrade(self.db)
        self.spools = [
            Spool(directory=tmp_path / "db-spool", max_bytes=10**6),
            Spool(directory=tmp_path / "series-spool", max_bytes=10**6),
        ]
        self.store = StoreWriter(
            engine=self.db,
            spool=self.spools[0],
            metrics=metrics,
            failed_dir=tmp_path / "refused",
            retry_max_s=1,
        )
        wake = asyncio.Event()
        self.sink = FakeSink()
        self.series = SeriesWriter(
            sink=self.sink,
            spool=self.spools[1],
            config=series or SeriesConfig(flush_interval_s=0.01),
            metrics=metrics,
            rejected_dir=tmp_path / "rejected",
            on_room=wake.set,
        )
        registry = DeviceIndex()
        status = StatusTracker(config=DevicesConfig())
        self.rules = RuleEngine(
            rules=AlertingConfig(),
            devices=DevicesConfig(),
            repeat_critical_s=NotifyConfig().repeat_critical_s,
            ids=IdFactory(),
        )
        desk = TicketDesk(config=TicketsConfig(), registry=registry, ids=IdFactory())
        collector = Collector(engine=self.rules, status=status, tickets=desk, metrics=metrics)
        self.intake = Intake(
            batch_max=batch_max,
            urgent_batch_max=100,
            is_urgent=lambda m: m.topic.endswith("/event"),
            wake=wake.set,
        )
        self.recorder = Recorder()
        self.dispatcher = Dispatcher(
            notifiers={"log": LogNotifier(), "rec": self.recorder, **(notifiers or {})},
            router=Router([Route(channels=["rec"], subjects=["alarm", "ticket"]), *(routes or [])]),
            store=self.store,
            metrics=metrics,
            clock=self.clock,
        )
        self.hub = EventHub()
        self.pipeline = Pipeline(
            intake=self.intake,
            processor=Processor(
                adapters=default_registry(topic_prefix="siteguard/v1", max_payload_bytes=4096),
                registry=registry,
                dedup=Deduplicator(window_ms=600_000),
                status=status,
                engine=self.rules,
                collector=collector,
                metrics=metrics,
                clock=self.clock,
                ids=IdFactory(),
                ingest=IngestConfig(),
                devices=DevicesConfig(),
                unread=UnreadFields(metrics=metrics, ids=IdFactory(), timezone="Asia/Shanghai"),
            ),
            collector=collector,
            engine=self.rules,
            store=self.store,
            series=self.series,
            hub=self.hub,
            dispatcher=self.dispatcher,
            metrics=metrics,
            clock=self.clock,
            wake=wake,
        )
        self.alarms = AlarmCommands(
            pipeline=self.pipeline, store=self.store, ids=IdFactory(), desk=desk
        )
        self.tickets = TicketCommands(
            pipeline=self.pipeline,
            store=self.store,
            desk=desk,
            ids=IdFactory(),
            escalate_every_ms=86_400_000,
        )

    def message(self, topic: str, payload: dict[str, Any]) -> RawMessage:
        return RawMessage(
            topic=f"siteguard/v1/{topic}",
            payload=json.dumps(payload).encode(),
            received_ms=self.clock.now_ms(),
            qos=1,
        )

    def close(self) -> None:
        self.store.close()
        for spool in self.spools:
            spool.close()
        self.db.dispose()

    def rows(self, table: sa.Table) -> list[Any]:
        with self.db.connect() as conn:
            return list(conn.execute(sa.select(table)))


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path, batch_max=10)
    yield r
    r.close()


@contextlib.asynccontextmanager
async def running(rig: Rig) -> AsyncIterator[None]:
    """The pipeline, the series writer and the dispatcher, as the service runs them."""
    tasks = [
        asyncio.create_task(rig.pipeline.run()),
        asyncio.create_task(rig.series.run()),
        asyncio.create_task(rig.dispatcher.run()),
    ]
    try:
        yield
    finally:
        await rig.pipeline.drain()
        await tasks[0]
        await rig.series.drain()
        await tasks[1]
        tasks[2].cancel()
        await asyncio.gather(tasks[2], return_exceptions=True)


def test_an_alarm_is_taken_before_the_telemetry_queued_ahead_of_it(rig: Rig) -> None:
    asyncio.run(_alarm_first(rig))
    # The sink saw the alarm's point first, then every reading: nothing was lost.
    measurements = [p.measurement for p in rig.sink.points]
    assert measurements[0] == "smoke"
    assert measurements.count("gas") == 50


async def _alarm_first(rig: Rig) -> None:
    telemetry = [
        rig.message(f"B1/gas/g{i}/telemetry", {"type": "reading", "lel_pct": 1.0})
        for i in range(50)
    ]
    for message in telemetry:
        rig.intake.submit(message, want_ack=True)
    alarm_done = rig.intake.submit(
        rig.message("B1/smoke/s1/event", {"type": "alarm", "id": "a1"}), want_ack=True
    )
    assert alarm_done is not None
    async with running(rig):
        await asyncio.wait_for(alarm_done, 5)


def test_bulk_waits_for_room_in_the_series_buffer_but_an_alarm_does_not(tmp_path: Path) -> None:
    # One point per batch and the sink down: the buffer is full after the first chunk.
    rig = Rig(tmp_path, batch_max=10, series=SeriesConfig(batch_size=1, flush_interval_s=0.01))
    try:
        assert asyncio.run(_alarm_past_a_full_buffer(rig)) == ["smoke"]
    finally:
        rig.close()


async def _alarm_past_a_full_buffer(rig: Rig) -> list[str]:
    rig.sink.down = True
    for i in range(30):
        rig.intake.submit(
            rig.message(f"B1/gas/g{i}/telemetry", {"type": "reading", "lel_pct": 1.0}),
            want_ack=False,
        )
    events: list[HubEvent] = []
    async with rig.hub.subscribe() as queue:
        loop = asyncio.create_task(rig.pipeline.run())
        await asyncio.sleep(0.05)
        # The first bulk chunks filled the buffer (the sink is down, nothing flushes); one
        # more may be taken while the one before it commits.
        assert rig.intake.pending == 10
        rig.intake.submit(rig.message("B1/smoke/s1/event", {"type": "alarm"}), want_ack=False)
        event = await asyncio.wait_for(queue.get(), 2)
        assert event is not None
        events.append(event)
        assert rig.intake.pending == 10  # the alarm went ahead; the telemetry still waits
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
    return [e.data.kind for e in events if isinstance(e.data, AlarmObject)]


def test_a_fire_hold_due_at_a_refused_ack_is_committed_announced_notified_ticketed(
    rig: Rig,
) -> None:
    """The engine fires due timers before it acknowledges; a refusal (409) must drop only
    the acknowledgement, not the fire that fell due with it."""
    announced = asyncio.run(_refused_ack(rig))
    fire = [a for a in rig.rows(schema.alarms) if a.kind == "fire"]
    assert len(fire) == 1 and fire[0].status == "active"  # committed
    assert ("alarm", "fire") in announced  # announced
    assert ("ticket", "fire") in announced
    assert any(n.alarm and n.alarm.kind == "fire" for n in rig.recorder.sent)  # notified
    tickets = rig.rows(schema.tickets)
    assert [(t.category, t.alarm_id) for t in tickets] == [("fire", fire[0].id)]  # ticketed
    history = [(h.kind, h.action) for h in rig.rows(schema.alarm_history)]
    assert history.count(("smoke", "acknowledged")) == 1  # the refused one left no trace
    (audit,) = rig.rows(schema.audit_log)  # ...in the audit log neither
    assert (audit.action, audit.actor, audit.role) == ("alarm.acknowledge", "duty", "duty")
    before, after = json.loads(audit.before), json.loads(audit.after)
    assert before["acknowledged_ms"] is None and after["verdict"] == "real"


def test_tickets_opened_and_moved_by_people_are_audited(rig: Rig) -> None:
    async def scenario() -> None:
        async with running(rig):
            opened = await rig.tickets.create(
                by=DUTY, title="消防通道堵塞", category="inspection", building_id="B1",
                severity="warning", responsible=None, due_ms=None, venue_type=None, note=None,
            )  # fmt: skip
            await rig.tickets.transition(
                opened.id, to="assigned", note=None, responsible="区住建委", role="duty",
                by=DUTY, buildings=None,
            )  # fmt: skip

    asyncio.run(scenario())
    rows = sorted(rig.rows(schema.audit_log), key=lambda r: r.id)
    assert [(r.action, r.target_kind) for r in rows] == [
        ("ticket.create", "ticket"),
        ("ticket.move", "ticket"),
    ]
    moved = rows[1]
    assert json.loads(moved.before)["status"] == "open"
    assert json.loads(moved.after)["responsible"] == "区住建委"


async def _refused_ack(rig: Rig) -> list[tuple[str, str]]:
    announced: list[tuple[str, str]] = []
    async with rig.hub.subscribe() as queue, running(rig):
        done = rig.intake.submit(rig.message("B1/smoke/s1/event", {"type": "alarm"}), want_ack=True)
        assert done is not None
        await asyncio.wait_for(done, 5)
        (smoke,) = rig.pipeline.active_alarms()
        await rig.alarms.acknowledge(smoke.id, verdict="real", note=None, by=DUTY)
        # One detector still in alarm: the fire hold falls due 60 s after it opened.
        rig.clock.advance(60_000)
        with pytest.raises(AlarmError):  # a second acknowledgement: refused, 409
            await rig.alarms.acknowledge(smoke.id, verdict="real", note=None, by=DUTY)
        while not queue.empty():
            event = queue.get_nowait()
            assert event is not None
            data = event.data
            what = data.kind if isinstance(data, AlarmObject) else data.category
            announced.append((event.topic, what))
        for _ in range(100):  # the dispatcher sends after the commit, on its own task
            if any(n.alarm and n.alarm.kind == "fire" for n in rig.recorder.sent):
                break
            await asyncio.sleep(0.01)
    return announced


def test_a_detector_with_three_false_alarms_gets_one_maintenance_ticket(rig: Rig) -> None:
    """tickets.false_alarms_for_ticket = 3 within 30 days: the third false-alarm verdict
    opens a device ticket in its turn; a fourth finds it open and opens none; real alarms and
    another detector do not count."""

    async def alarm_acknowledged(device: str, verdict: str) -> None:
        for payload in ({"type": "alarm"}, {"type": "alarm_clear"}):
            message = rig.message(f"B1/smoke/{device}/event", payload)
            done = rig.intake.submit(message, want_ack=True)
            assert done is not None
            await asyncio.wait_for(done, 5)
            if payload["type"] == "alarm":
                (smoke,) = [a for a in rig.pipeline.active_alarms() if a.device_id == device]
                await rig.alarms.acknowledge(smoke.id, verdict=verdict, note=None, by=DUTY)
        rig.clock.advance(3_600_000)

    def maintenance() -> list[Any]:
        return [t for t in rig.rows(schema.tickets) if t.category == "device"]

    async def scenario() -> None:
        async with running(rig):
            await alarm_acknowledged("s1", "false_alarm")
            await alarm_acknowledged("s1", "real")
            await alarm_acknowledged("s2", "false_alarm")
            await alarm_acknowledged("s1", "false_alarm")
            assert maintenance() == []
            await alarm_acknowledged("s1", "false_alarm")
            assert len(maintenance()) == 1
            await alarm_acknowledged("s1", "false_alarm")

    asyncio.run(scenario())
    (ticket,) = maintenance()
    assert (ticket.title, ticket.created_by, ticket.responsible) == (
        "烟感频繁误报：s1",
        "误报统计",
        "设备维保单位",
    )
    (history,) = [h for h in rig.rows(schema.ticket_history) if h.ticket_id == ticket.id]
    assert history.note.startswith("30 天内误报 3 次")
