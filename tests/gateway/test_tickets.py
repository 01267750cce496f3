"""The ticket desk over a real SQLite store: opening once per alarm, escalating on a fake
clock across restarts, and writing the export outbox with each change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine as DbEngine

from alerting.model import Alarm
from alerting.rule_engine import RuleEngine, TicketRequest
from core.clock import FakeClock
from core.config import AlertingConfig, DevicesConfig, NotifyConfig, TicketsConfig
from core.ids import IdFactory
from gateway.device_index import BuildingInfo, DeviceIndex
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.tickets import histories, load_ticket
from gateway.store.writeset import apply_writeset
from gateway.tickets import TicketDesk
from gateway.turn import Turn

DAY_S = 86_400


@pytest.fixture
def db(tmp_path: Path) -> Iterator[DbEngine]:
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def desk(*, export: bool = False) -> TicketDesk:
    registry = DeviceIndex()
    registry.put_building(BuildingInfo(building_id="B1", name="3号楼", property_company="安居物业"))
    config = TicketsConfig(export_url="http://hazards.example/api" if export else "")
    return TicketDesk(config=config, registry=registry, ids=IdFactory())


def turn(clock: FakeClock) -> Turn:
    engine = RuleEngine(
        rules=AlertingConfig(),
        devices=DevicesConfig(),
        repeat_critical_s=NotifyConfig().repeat_critical_s,
        ids=IdFactory(),
    )
    return Turn(engine=engine, now=clock.now_ms())


def commit(db: DbEngine, t: Turn) -> None:
    with db.begin() as conn:
        apply_writeset(conn, t.ws)


def fire_request(clock: FakeClock, ticket_id: str = "TKT1") -> TicketRequest:
    alarm = Alarm(
        id="AL1",
        kind="fire",
        severity="critical",
        status="active",
        building_id="B1",
        device_id=None,
        device_ids=("s1", "s2"),
        opened_ms=clock.now_ms(),
        updated_ms=clock.now_ms(),
        latched=True,
    )
    return TicketRequest(alarm=alarm, ticket_id=ticket_id, category="fire")


def test_tickets_from_alarms_take_policy_from_config_and_registry(db: DbEngine) -> None:
    clock = FakeClock()
    d = desk()
    t = turn(clock)
    fire = d.open_for_alarm(t, fire_request(clock))
    hotspot = Alarm(
        id="AL2",
        kind="ebike_hotspot",
        severity="warning",
        status="active",
        building_id="B1",
        device_id="lift-1",
        device_ids=("lift-1",),
        opened_ms=0,
        updated_ms=0,
    )
    ebike = d.open_for_alarm(t, TicketRequest(alarm=hotspot, ticket_id="TKT2", category="ebike"))
    commit(db, t)
    assert (fire.responsible, fire.title, fire.status) == ("公共安全办", "火警确认：3号楼", "open")
    assert fire.due_ms == clock.now_ms() + DAY_S * 1000
    assert ebike.responsible == "安居物业"  # the building's property company
    assert ebike.due_ms == clock.now_ms() + 3 * DAY_S * 1000
    assert (fire.source, fire.hazard_class) == ("alarm", "general")  # the register's defaults
    with db.connect() as conn:
        loaded = load_ticket(conn, "TKT1")
    assert loaded is not None
    assert loaded[0] == fire
    assert [(e.from_status, e.to_status, e.by) for e in loaded[1]] == [(None, "open", "rules")]
    assert [e.topic for e in t.events] == ["ticket", "ticket"]
    # The alarm itself told the duty room; these go only to the routes that tell the
    # building's responsible person (gateway/notify/routing.py).
    told = [(n.reason, n.ticket.id if n.ticket else None) for n in t.notifications]
    assert told == [("opened", "TKT1"), ("opened", "TKT2")]


def test_one_ticket_per_alarm_even_when_a_write_set_is_applied_again(db: DbEngine) -> None:
    clock = FakeClock()
    first = turn(clock)
    desk().open_for_alarm(first, fire_request(clock, "TKT1"))
    commit(db, first)
    commit(db, first)  # a replay after a crash
    again = turn(clock)
    desk().open_for_alarm(again, fire_request(clock, "TKT-OTHER"))  # the same alarm, another id
    commit(db, again)
    with db.connect() as conn:
        rows = conn.execute(sa.select(schema.tickets.c.id, schema.tickets.c.alarm_id)).all()
    assert [tuple(r) for r in rows] == [("TKT1", "AL1")]


def test_escalation_on_a_fake_clock_survives_restarts(db: DbEngine) -> None:
    clock = FakeClock()
    t = turn(clock)
    ticket, _ = desk().open_by_hand(
        t,
        title="消防通道堆物",
        category="inspection",
        building_id="B1",
        severity="warning",
        responsible=None,
        due_ms=None,
        venue_type="shop",
        note="巡查发现",
        by="duty-1",
    )
    commit(db, t)
    every = TicketsConfig().escalate_every_s * 1000
    due = ticket.due_ms

    def scan(at_ms: int) -> int:
        clock.set(at_ms)
        t = turn(clock)
        with db.connect() as conn:  # a fresh desk every time: nothing kept in memory
            overdue = TicketDesk.overdue(conn, now=t.now, every_ms=every)
            found = histories(conn, [x.id for x in overdue])
        raised = desk().escalate_overdue(t, [(x, found[x.id]) for x in overdue])
        commit(db, t)
        return raised

    assert scan(due + every - 1) == 0
    assert scan(due + every) == 1
    assert scan(due + every + 1) == 0  # no repeat within the level
    assert scan(due + 3 * every) == 2  # two intervals passed while we were down: both steps
    assert scan(due + 10 * every) == 1  # level 4 is the last
    assert scan(due + 20 * every) == 0
    with db.connect() as conn:
        loaded = load_ticket(conn, ticket.id)
        notes = (
            conn.execute(
                sa.select(schema.notifications.c.reason).where(
                    schema.notifications.c.ticket_id == ticket.id
                )
            )
            .scalars()
            .all()
        )
    assert loaded is not None
    assert loaded[0].escalation_level == 4
    levels = [(e.escalation_level, e.note) for e in loaded[1] if e.by == "escalation"]
    assert [lvl for lvl, _ in levels] == [1, 2, 3, 4]
    assert [
        "函告" in levels[0][1],
        "通报" in levels[1][1],
        "约谈" in levels[2][1],
        "曝光" in levels[3][1],
    ] == [True] * 4  # type: ignore[operator]
    assert notes == ["opened", "escalated", "escalated", "escalated", "escalated"]


def test_each_change_is_in_the_export_outbox_with_its_idempotency_key(db: DbEngine) -> None:
    clock = FakeClock()
    t = turn(clock)
    d = desk(export=True)
    d.open_for_alarm(t, fire_request(clock))
    commit(db, t)
    with db.connect() as conn:
        rows = conn.execute(sa.select(schema.ticket_outbox)).all()
    assert len(rows) == 1
    payload = msgspec.json.decode(rows[0].payload)
    assert payload["idempotency_key"] == rows[0].id
    assert payload["ticket"]["id"] == "TKT1" and payload["change"]["to"] == "open"
    assert rows[0].status == "pending"
