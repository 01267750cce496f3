"""The risk index's inputs read from a migrated SQLite database (one grouped query per source),
and the early warning (``gateway/risk_watch.py``) over a fake clock: exactly one notice when a
level rises, none on the first computation or when it falls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.clock import FakeClock
from core.config.risk import RiskConfig
from core.ids import IdFactory
from gateway.metrics import Metrics
from gateway.notification import Notification, decode_notification
from gateway.risk_watch import RiskWatch
from gateway.spool import Spool
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.risk import places, risk_inputs
from gateway.store.writer import StoreWriter

NOW = 1_793_000_000_000  # 2026-10-26
DAY = 86_400_000
START = NOW - 30 * DAY
_ids = iter(f"{i:026d}" for i in range(1, 10_000))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    e = create_engine(f"sqlite:///{tmp_path / 'risk.db'}")
    upgrade(e)
    yield e
    e.dispose()


def put(engine: sa.Engine, table: sa.Table, **row: Any) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(table), row)


def building(engine: sa.Engine, building_id: str, **fields: Any) -> None:
    put(engine, schema.buildings, building_id=building_id, auto=False, created_ms=0,
        updated_ms=0, **fields)  # fmt: skip


def device(engine: sa.Engine, device_id: str, building_id: str, device_type: str, **f: Any) -> None:
    fields = {"online": True, **f}
    put(engine, schema.devices, device_id=device_id, device_type=device_type,
        building_id=building_id, auto=False, created_ms=0, updated_ms=0, **fields)  # fmt: skip


def alarm(engine: sa.Engine, building_id: str, kind: str, *, at: int = NOW - DAY, **f: Any) -> None:
    fields = {"severity": "warning", **f}
    put(engine, schema.alarms, id=next(_ids), kind=kind, status="cleared",
        identity=next(_ids), building_id=building_id, device_ids="[]", opened_ms=at,
        updated_ms=at, count=1, latched=False, held=False, **fields)  # fmt: skip


def ticket(engine: sa.Engine, building_id: str, *, created: int = NOW - DAY, **f: Any) -> None:
    fields = {"due_ms": NOW + DAY, "status": "open", **f}
    put(engine, schema.tickets, id=next(_ids), title="t", category="inspection",
        severity="warning", building_id=building_id, responsible="x", escalation_level=0,
        created_ms=created, updated_ms=created, created_by="t", source="manual",
        **fields)  # fmt: skip


def read(engine: sa.Engine, **scope: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        where = places(conn, buildings=scope.get("buildings"), community=scope.get("community"))
        inputs = risk_inputs(
            conn, where, start_ms=START, end_ms=NOW, low_battery_pct=20, min_confidence=0.8
        )
    return {i.building_id: i for i in inputs}


def test_inputs_counted_per_building_over_the_window(engine: sa.Engine) -> None:
    building(engine, "R1", community="东园", venue_type="restaurant")
    building(engine, "H1", community="西园", venue_type="high_rise_residential")
    device(engine, "s1", "R1", "smoke", battery_pct=10)
    device(engine, "s2", "R1", "smoke", online=False)
    device(engine, "g1", "R1", "gas", online=False, battery_pct=50)
    alarm(engine, "R1", "fire", severity="critical", verdict="real")
    alarm(engine, "R1", "fire", severity="critical", verdict="false_alarm")
    alarm(engine, "R1", "compound", severity="critical")
    alarm(engine, "R1", "fire", severity="critical", at=START - 1)  # before the window
    alarm(engine, "R1", "gas", severity="critical")
    alarm(engine, "R1", "gas", severity="critical", verdict="test")
    alarm(engine, "R1", "gas")  # a warning
    alarm(engine, "R1", "smoke")
    alarm(engine, "R1", "smoke", verdict="false_alarm")
    alarm(engine, "R1", "smoke", verdict="test")
    alarm(engine, "R1", "device_fault")
    alarm(engine, "R1", "tamper")
    alarm(engine, "H1", "ebike_hotspot")
    for confidence in (0.9, 0.5, None):
        put(engine, schema.events, id=next(_ids), device_id="e1", building_id="H1",
            device_type="ebike", type="ebike_detected", received_ms=NOW - DAY,
            ts_ms=NOW - DAY, source="mqtt", confidence=confidence, data="{}")  # fmt: skip
    ticket(engine, "R1")  # open
    ticket(engine, "R1", due_ms=NOW - 1, hazard_class="major", supervised_ms=NOW - DAY)
    ticket(engine, "R1", status="closed", closed_ms=NOW - DAY)  # closed: not counted
    ticket(engine, "R1", created=NOW + 1)  # after the window's end
    put(engine, schema.inspections, id="I1", building_id="R1", quarter="2026-Q4",
        at_ms=NOW - DAY, inspector="x", failed=2)  # fmt: skip
    for item, ok in (("fire_exits", False), ("wiring", False), ("extinguishers", True)):
        put(engine, schema.inspection_items, inspection_id="I1", item=item, position=0, ok=ok)
    for code, folded in (("A1", None), ("A2", "x")):
        put(engine, schema.public_reports, id=next(_ids), tracking_code=code, building_id="R1",
            category="other", text="t", address_digest="d", created_ms=NOW - DAY,
            folded_into=folded)  # fmt: skip

    got = read(engine)
    r1, h1 = got["R1"], got["H1"]
    assert (r1.fires, r1.gas_critical, r1.smoke_alarms, r1.smoke_false) == (2, 1, 2, 1)
    assert (r1.faults, r1.ebike_hotspots, h1.ebike_hotspots) == (2, 0, 1)
    assert h1.ebike_detections == 2  # the unconfident one is left out
    assert (r1.devices, r1.devices_online, r1.low_battery) == (3, 1, 1)
    assert r1.online_types == frozenset({"smoke"})
    assert (r1.tickets_open, r1.tickets_overdue, r1.hazards_major, r1.hazards_supervised) == (
        2, 1, 1, 1,
    )  # fmt: skip
    assert r1.failed_items == 2
    assert r1.public_reports == 1
    assert r1.venue_type == "restaurant"
    assert (h1.devices, h1.tickets_open, h1.public_reports) == (0, 0, 0)


def test_scope_and_community(engine: sa.Engine) -> None:
    building(engine, "A", community="东园")
    building(engine, "B", community="西园")
    building(engine, "C", community="东园")
    assert sorted(read(engine, community="东园")) == ["A", "C"]
    assert sorted(read(engine, buildings=frozenset({"B", "C"}))) == ["B", "C"]
    assert read(engine, buildings=frozenset()) == {}


def test_tickets_as_they_stood_at_the_windows_end(engine: sa.Engine) -> None:
    building(engine, "A")
    ticket(engine, "A", created=START, status="closed", closed_ms=NOW + DAY)  # closed later
    assert read(engine)["A"].tickets_open == 1


# ---- the early warning -------------------------------------------------------------------


class Watch:
    def __init__(self, engine: sa.Engine, tmp_path: Path) -> None:
        self.engine = engine
        self.clock = FakeClock(start_ms=NOW)
        self.spool = Spool(directory=tmp_path / "spool", max_bytes=10**6)
        self.store = StoreWriter(
            engine=engine, spool=self.spool, metrics=Metrics(), failed_dir=tmp_path / "f",
            retry_max_s=1,
        )  # fmt: skip
        self.enqueued: list[Notification] = []
        self.watch = RiskWatch(
            engine=engine,
            store=self.store,
            enqueue=self.enqueued.extend,
            config=RiskConfig(),
            clock=self.clock,
            ids=IdFactory(),
        )

    def tick(self) -> list[Notification]:
        return asyncio.run(self.watch.tick())

    def outbox(self) -> list[Notification]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(schema.notifications.c.payload)).all()
        return [decode_notification(r.payload) for r in rows]

    def levels(self) -> dict[str, tuple[str, int]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(schema.risk_levels)).all()
        return {r.building_id: (r.level, r.changed_ms) for r in rows}

    def close(self) -> None:
        self.store.close()
        self.spool.close()


@pytest.fixture
def watch(engine: sa.Engine, tmp_path: Path) -> Iterator[Watch]:
    w = Watch(engine, tmp_path)
    yield w
    w.close()


def test_first_run_stores_levels_and_notifies_nothing(watch: Watch) -> None:
    building(watch.engine, "A")
    building(watch.engine, "B")
    alarm(watch.engine, "B", "fire", severity="critical", verdict="real")
    assert watch.tick() == []
    assert watch.levels() == {"A": ("blue", NOW), "B": ("orange", NOW)}
    assert watch.outbox() == []
    with watch.engine.connect() as conn:
        stored = conn.execute(sa.select(schema.risk_levels.c.factors)).first()
    assert stored is not None and "fires" in json.loads(stored.factors)


def test_a_rise_notifies_once_and_a_fall_not_at_all(watch: Watch) -> None:
    building(watch.engine, "A")
    building(watch.engine, "B")
    watch.tick()
    alarm(watch.engine, "A", "fire", severity="critical", verdict="real", at=NOW + 1)
    watch.clock.advance(3_600_000)
    notices = watch.tick()
    assert len(notices) == 1
    n = notices[0]
    assert n.subject == "risk" and n.reason == "raised" and n.kind == "orange"
    assert n.severity == "warning" and n.building_id == "A"
    assert n.risk is not None and n.risk.previous_level == "blue"
    assert n.risk.lifted_by == "fires" and "fires" in n.risk.top
    assert watch.enqueued == notices
    assert watch.outbox() == notices  # in the outbox, committed with the level
    assert watch.levels()["A"] == ("orange", NOW + 3_600_000)
    watch.clock.advance(3_600_000)
    assert watch.tick() == []  # still orange: nothing new
    watch.clock.advance(31 * DAY)  # the fire leaves the window: the level falls
    assert watch.tick() == []
    assert watch.levels()["A"] == ("blue", watch.clock.now_ms())
    assert len(watch.outbox()) == 1
