"""The ticket lifecycle (销号) and escalation, as pure rules."""

from __future__ import annotations

import itertools

import pytest

from alerting.model import Alarm
from alerting.tickets import (
    Ticket,
    TicketError,
    TicketForbidden,
    TicketInvalid,
    allowed_moves,
    category_for,
    escalate,
    escalation_level,
    move,
)

DAY = 86_400_000
T0 = 1_790_000_000_000
_ids = (f"E{i:05d}" for i in itertools.count())


def ticket(status: str = "open", **kw: object) -> Ticket:
    fields: dict[str, object] = {
        "id": "T1", "alarm_id": None, "title": "x", "category": "inspection", "severity": "warning",
        "building_id": "B1", "status": status, "responsible": "公共安全办", "due_ms": T0 + DAY,
        "escalation_level": 0, "created_ms": T0, "updated_ms": T0, "created_by": "duty",
    }  # fmt: skip
    fields.update(kw)
    return Ticket(**fields)  # type: ignore[arg-type]


def go(t: Ticket, to: str, role: str = "duty", note: str | None = "ok", **kw: object) -> Ticket:
    moved, entry = move(
        t, to, role=role, by=f"{role}-1", note=note, now=T0 + 5, entry_id=next(_ids), **kw
    )  # type: ignore[arg-type]
    assert (entry.from_status, entry.to_status, entry.by, entry.note) == (
        t.status,
        to,
        f"{role}-1",
        note,
    )
    return moved


def test_the_whole_way_to_closure_with_a_rejection() -> None:
    t = go(ticket(), "assigned", responsible="XX物业")
    assert t.responsible == "XX物业"
    t = go(t, "rectifying", role="manager")
    t = go(t, "review", role="manager")
    t = go(t, "rectifying", note="照片不清晰，重新整改")  # rejected at review
    t = go(t, "review", role="manager")
    t = go(t, "closed", note="已更换烟感并复查")
    assert t.status == "closed" and t.closed_ms == T0 + 5


@pytest.mark.parametrize(
    ("start", "to"),
    [("open", "rectifying"), ("open", "review"), ("open", "closed"), ("assigned", "review"),
     ("assigned", "closed"), ("rectifying", "closed"), ("rectifying", "assigned"),
     ("review", "open"), ("assigned", "open"), ("review", "assigned")],
)  # fmt: skip
def test_illegal_moves_are_409_with_the_reason(start: str, to: str) -> None:
    with pytest.raises(TicketError) as err:
        go(ticket(start), to, role="admin")
    assert err.value.status == 409
    assert f"from {start} to {to}" in str(err.value) and "it can go to" in str(err.value)


@pytest.mark.parametrize("to", ["open", "assigned", "rectifying", "review", "closed"])
def test_nothing_leaves_closed(to: str) -> None:
    with pytest.raises(TicketError, match="closed"):
        go(ticket("closed"), to, role="admin")


@pytest.mark.parametrize(
    ("start", "to"),
    [("open", "assigned"), ("review", "closed"), ("review", "rectifying")],
)
def test_managers_cannot_assign_review_or_close(start: str, to: str) -> None:
    with pytest.raises(TicketForbidden) as err:
        go(ticket(start), to, role="manager")
    assert err.value.status == 403


def test_closing_needs_a_note() -> None:
    for note in (None, "", "   "):
        with pytest.raises(TicketInvalid, match="needs a note") as err:
            go(ticket("review"), "closed", note=note)
        assert err.value.status == 422


def test_unknown_status() -> None:
    with pytest.raises(TicketInvalid):
        go(ticket(), "done")


@pytest.mark.parametrize(
    ("after_due", "level"),
    [(-1, 0), (0, 0), (DAY - 1, 0), (DAY, 1), (2 * DAY - 1, 1), (2 * DAY, 2), (3 * DAY, 3),
     (4 * DAY, 4), (40 * DAY, 4)],
)  # fmt: skip
def test_one_escalation_level_per_interval_past_due_up_to_four(after_due: int, level: int) -> None:
    t = ticket("rectifying")
    assert escalation_level(t, now=t.due_ms + after_due, every_ms=DAY) == level


def test_escalation_never_goes_down_and_closed_tickets_stay() -> None:
    t = ticket("assigned", escalation_level=3)
    assert escalation_level(t, now=t.due_ms + DAY, every_ms=DAY) == 3
    done = ticket("closed", escalation_level=0)
    assert escalation_level(done, now=done.due_ms + 10 * DAY, every_ms=DAY) == 0


def test_an_escalation_is_a_history_line_with_its_name() -> None:
    t, entry = escalate(ticket("assigned"), 2, now=T0 + 3 * DAY, entry_id="E")
    assert t.escalation_level == 2 and t.status == "assigned"
    assert (entry.from_status, entry.to_status, entry.escalation_level) == (
        "assigned",
        "assigned",
        2,
    )
    assert entry.note is not None and "通报" in entry.note


def test_which_alarms_call_for_a_ticket() -> None:
    def alarm(kind: str, severity: str = "warning") -> Alarm:
        return Alarm(id="A", kind=kind, severity=severity, status="active", building_id="B",
                     device_id="d", device_ids=("d",), opened_ms=0, updated_ms=0)  # fmt: skip

    assert category_for(alarm("fire", "critical")) == "fire"
    assert category_for(alarm("compound", "critical")) == "fire"
    assert category_for(alarm("gas", "warning")) is None
    assert category_for(alarm("gas", "critical")) == "gas"
    assert category_for(alarm("ebike_hotspot")) == "ebike"
    assert category_for(alarm("ebike_standoff")) is None
    assert category_for(alarm("smoke")) is None
    for kind in ("device_fault", "tamper", "low_battery", "device_offline", "flapping"):
        assert category_for(alarm(kind)) == "device"


@pytest.mark.parametrize(("role", "start", "to"), [
    ("manager", "assigned", "rectifying"), ("manager", "rectifying", "review"),
    ("duty", "rectifying", "review"), ("admin", "review", "closed"),
])  # fmt: skip
def test_only_admin_or_duty_name_the_responsible_and_only_when_assigning(
    role: str, start: str, to: str
) -> None:
    # Whoever is responsible gets the escalations and the export: a manager must not be
    # able to hand a ticket to another office.
    with pytest.raises(TicketForbidden, match="responsible") as err:
        go(ticket(start), to, role=role, responsible="区住建委")
    assert err.value.status == 403
    assert (
        go(ticket("open"), "assigned", role="duty", responsible="区住建委").responsible
        == "区住建委"
    )


@pytest.mark.parametrize("role", ["admin", "duty", "manager"])
@pytest.mark.parametrize("status", ["open", "assigned", "rectifying", "review", "closed"])
def test_allowed_moves_are_exactly_the_moves_that_succeed(role: str, status: str) -> None:
    """The console draws its buttons from allowed_moves: each one must work, no other may."""
    offered = set(allowed_moves(status, role))  # type: ignore[arg-type]
    for to in ("open", "assigned", "rectifying", "review", "closed"):
        try:
            go(ticket(status), to, role=role)
        except TicketError:
            assert to not in offered
        else:
            assert to in offered
