"""Scheduled delivery on a fake clock: due at 08:00 local on the first day, made and announced
once, never twice across restarts; quarters and years on their first day; a long outage
does not bring back reports for months long gone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.clock import FakeClock
from core.config import Route, Settings
from core.ids import IdFactory
from gateway.metrics import Metrics
from gateway.notification import Notification
from gateway.notify.dispatcher import Dispatcher
from gateway.notify.log import LogNotifier
from gateway.notify.routing import Router
from gateway.spool import Spool
from gateway.store import schema
from gateway.store.writer import StoreWriter
from reports.delivery import ReportDelivery
from reports.schedule import Schedule
from tests.reports.databases import DATABASES, street_engine
from tests.reports.fixture import local, make_records

TZ = "Asia/Shanghai"


class Recording:
    name = "office"
    timeout_s = 5.0
    retries = 0
    rate_limit_per_min: int | None = None

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def send(self, notification: Notification) -> None:
        self.sent.append(notification)

    async def close(self) -> None:
        pass


class Gateway:
    """The parts delivery needs, as a restart would build them again."""

    def __init__(self, engine: sa.Engine, tmp: Path, clock: FakeClock, office: Recording) -> None:
        metrics = Metrics()
        self.spool = Spool(directory=tmp / f"spool-{id(self)}", max_bytes=10**6)
        self.store = StoreWriter(
            engine=engine, spool=self.spool, metrics=metrics, failed_dir=tmp / "f", retry_max_s=1
        )
        self.dispatcher = Dispatcher(
            notifiers={"log": LogNotifier(), "office": office},
            router=Router([Route(channels=["office"], subjects=["report"])]),
            store=self.store,
            metrics=metrics,
            clock=clock,
        )
        settings = Settings(reports={"public_url": "https://siteguard.example.cn"})
        self.delivery = ReportDelivery(
            engine=engine,
            store=self.store,
            dispatcher=self.dispatcher,
            settings=settings,
            clock=clock,
            ids=IdFactory(),
        )


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    engine = street_engine(request, tmp_path, make_records())
    yield engine
    engine.dispose()


async def _delivered(office: Recording, count: int) -> None:
    for _ in range(200):
        if len(office.sent) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(office.sent)} of {count} announcements")


def test_schedule_is_due_from_eight_on_the_first_for_a_week() -> None:
    s = Schedule(timezone=TZ)
    assert s.due(local(2026, 11, 1, 7, 59)) == []
    assert [p.label for p in s.due(local(2026, 11, 1, 8, 0))] == ["2026-10"]
    assert [p.label for p in s.due(local(2026, 11, 7, 23, 0))] == ["2026-10"]
    assert s.due(local(2026, 11, 8, 8, 0)) == []  # a week later: not caught up any more
    assert [p.label for p in s.due(local(2027, 1, 1, 9))] == ["2026-12", "2026-Q4", "2026"]
    assert [p.label for p in s.due(local(2026, 10, 1, 8))] == ["2026-09", "2026-Q3"]
    only_months = Schedule(timezone=TZ, quarterly=False, yearly=False, at_hour=6, at_minute=30)
    assert [p.label for p in only_months.due(local(2027, 1, 1, 6, 30))] == ["2026-12"]


def test_delivered_once_across_restarts(engine: sa.Engine, tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = FakeClock(start_ms=local(2026, 11, 1, 7, 59))
        office = Recording()
        first = Gateway(engine, tmp_path, clock, office)
        running = asyncio.create_task(first.dispatcher.run())
        assert await first.delivery.tick() == []
        clock.set(local(2026, 11, 1, 8, 0))
        assert await first.delivery.tick() == ["month:2026-10"]
        await _delivered(office, 1)
        assert await first.delivery.tick() == []  # made: not again
        (notice,) = office.sent
        assert notice.report is not None and notice.report.title == "2026年10月"
        assert notice.report.url == "https://siteguard.example.cn/#report=month:2026-10"
        assert notice.report.headline["alarms.kind.fire"] == 2
        assert notice.report.warnings > 0
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await first.dispatcher.flush()

        # A restart the same morning: nothing is made or announced again.
        clock.advance(30 * 60_000)
        again = Gateway(engine, tmp_path, clock, office)
        running = asyncio.create_task(again.dispatcher.run())
        pending = await again.store.run_in_store(Dispatcher.load_pending)
        assert pending == []
        assert await again.delivery.tick() == []

        # New Year: December, the fourth quarter and the year.
        clock.set(local(2027, 1, 1, 8, 0))
        made = await again.delivery.tick()
        assert made == ["month:2026-12", "quarter:2026-Q4", "year:2026"]
        await _delivered(office, 4)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await again.dispatcher.flush()
        for g in (first, again):
            g.spool.close()

    asyncio.run(scenario())
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(schema.reports.c.id).order_by(schema.reports.c.id)
        ).scalars()
        assert list(stored) == ["month:2026-10", "month:2026-12", "quarter:2026-Q4", "year:2026"]
        html = conn.execute(
            sa.select(schema.reports.c.html).where(schema.reports.c.id == "month:2026-10")
        ).scalar_one()
        assert "2026年10月" in html and "<svg" in html
        statuses = conn.execute(
            sa.select(schema.notifications.c.status).where(
                schema.notifications.c.subject == "report"
            )
        ).scalars()
        assert list(statuses) == ["sent"] * 4


def test_a_crash_before_the_announcement_went_out_sends_it_once(
    engine: sa.Engine, tmp_path: Path
) -> None:
    async def scenario() -> list[Notification]:
        clock = FakeClock(start_ms=local(2026, 11, 1, 8, 5))
        office = Recording()
        crashed = Gateway(engine, tmp_path, clock, office)
        assert await crashed.delivery.tick() == ["month:2026-10"]  # stored, never delivered
        crashed.spool.close()
        restarted = Gateway(engine, tmp_path, clock, office)
        restarted.dispatcher.enqueue(await restarted.store.run_in_store(Dispatcher.load_pending))
        running = asyncio.create_task(restarted.dispatcher.run())
        await _delivered(office, 1)
        assert await restarted.delivery.tick() == []
        await asyncio.sleep(0.05)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        restarted.spool.close()
        return office.sent

    sent = asyncio.run(scenario())
    assert [n.report.report_id for n in sent if n.report] == ["month:2026-10"]
