"""The changes a stream client missed (gateway/store/history.py), over a real SQLite store:
after an event id, in scope, oldest first, shaped as the hub announced them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from sqlalchemy.engine import Engine

from alerting.model import Alarm, AlarmChange
from alerting.tickets import Ticket, TicketEntry
from gateway.shapes import AlarmObject, HubEvent, TicketObject
from gateway.store.alarms import alarm_row, history_row
from gateway.store.db import create_engine
from gateway.store.history import changes_after
from gateway.store.migrate import upgrade
from gateway.store.writeset import WriteSet, apply_writeset

T = 1_767_225_600_000


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'h.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def smoke(building: str, alarm_id: str) -> Alarm:
    return Alarm(
        id=alarm_id,
        kind="smoke",
        severity="warning",
        status="active",
        building_id=building,
        device_id=f"{building}-s1",
        device_ids=(f"{building}-s1",),
        opened_ms=T,
        updated_ms=T,
    )


def entry(entry_id: str, at_ms: int, frm: str | None, to: str) -> TicketEntry:
    return TicketEntry(
        id=entry_id, ticket_id="TKT1", at_ms=at_ms, by="duty", from_status=frm, to_status=to,
        note=None, escalation_level=0,
    )  # fmt: skip


@pytest.fixture
def stored(db: Engine) -> list[HubEvent]:
    """Ids are time-ordered strings: H1 < H2 < H3 < H4 < H5 < H6."""
    a1 = smoke("B1", "AL1")
    a1_twice = msgspec.structs.replace(a1, count=2, updated_ms=T + 2)
    a1_cleared = msgspec.structs.replace(a1_twice, status="cleared", cleared_ms=T + 4)
    a2 = smoke("B2", "AL2")
    ticket = Ticket(
        id="TKT1", alarm_id=None, title="通道堵塞", category="inspection", severity="warning",
        building_id="B1", status="assigned", responsible="物业", due_ms=T + 86_400_000,
        escalation_level=0, created_ms=T + 3, updated_ms=T + 5, created_by="duty",
    )  # fmt: skip
    opened, assigned = entry("H3", T + 3, None, "open"), entry("H5", T + 5, "open", "assigned")
    changes = [
        AlarmChange(id="H1", alarm=a1, action="opened", at_ms=T),
        AlarmChange(id="H2", alarm=a1_twice, action="updated", at_ms=T + 2),
        AlarmChange(id="H4", alarm=a1_cleared, action="cleared", at_ms=T + 4),
        AlarmChange(id="H6", alarm=a2, action="opened", at_ms=T + 6),
    ]
    ws = WriteSet(
        alarms=[alarm_row(a1_cleared), alarm_row(a2)],
        alarm_history=[history_row(c) for c in changes],
        tickets_new=[ticket],
        ticket_history=[opened, assigned],
    )
    with db.begin() as conn:
        apply_writeset(conn, ws)
    # An alarm as it was at each change as far as its history says (status, severity,
    # count); the rest as it is now.
    then = msgspec.structs.replace
    return [
        HubEvent.alarm("H1", AlarmObject.of(then(a1_cleared, status="active", count=1))),
        HubEvent.alarm("H2", AlarmObject.of(then(a1_cleared, status="active"))),
        HubEvent.ticket("H3", TicketObject.of(ticket, [opened])),
        HubEvent.alarm("H4", AlarmObject.of(a1_cleared)),
        HubEvent.ticket("H5", TicketObject.of(ticket, [opened, assigned])),
        HubEvent.alarm("H6", AlarmObject.of(a2)),
    ]


def test_every_change_after_the_id_oldest_first(db: Engine, stored: list[HubEvent]) -> None:
    with db.connect() as conn:
        assert changes_after(conn, "", buildings=None) == stored
        assert changes_after(conn, "H2", buildings=None) == stored[2:]
        assert changes_after(conn, "H6", buildings=None) == []


def test_an_alarm_is_shown_as_it_was_at_its_change_under_its_own_id(
    db: Engine, stored: list[HubEvent]
) -> None:
    with db.connect() as conn:
        first = changes_after(conn, "", buildings=None)[0]
    assert first.id == "H1"  # the event id is the change's...
    assert isinstance(first.data, AlarmObject)
    assert first.data.id == "AL1"  # ...the alarm keeps its own
    assert (first.data.status, first.data.count) == ("active", 1)


def test_a_ticket_comes_with_its_history_up_to_the_change(
    db: Engine, stored: list[HubEvent]
) -> None:
    with db.connect() as conn:
        tickets = [e for e in changes_after(conn, "", buildings=None) if e.topic == "ticket"]
    assert [[line.to for line in e.data.history] for e in tickets] == [  # type: ignore[union-attr]
        ["open"],
        ["open", "assigned"],
    ]


def test_only_the_buildings_in_scope(db: Engine, stored: list[HubEvent]) -> None:
    with db.connect() as conn:
        assert changes_after(conn, "", buildings=frozenset({"B2"})) == [stored[5]]
        assert changes_after(conn, "", buildings=frozenset({"B1"})) == stored[:5]
        assert changes_after(conn, "", buildings=frozenset()) == []


def test_at_most_the_limit_the_oldest_kept(db: Engine, stored: list[HubEvent]) -> None:
    with db.connect() as conn:
        assert changes_after(conn, "", buildings=None, limit=3) == stored[:3]
