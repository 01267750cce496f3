"""Hazard tickets and their way to closure (销号): pure rules, no I/O, no clock.

The street's plan asks that every hazard found be listed, assigned to a responsible office,
rectified and closed item by item (照单逐条整改销号), with escalation for slow progress
(函告, 通报, 约谈, 曝光). Statuses: open -> assigned -> rectifying -> review -> closed, and
review -> rectifying when the rectification is rejected. Nothing leaves ``closed``.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

from alerting.labels import KIND, zh
from alerting.model import TICKET_CATEGORY, Alarm

Role = Literal["admin", "duty", "manager"]
STATUSES: Final = ("open", "assigned", "rectifying", "review", "closed")
CATEGORIES: Final = ("fire", "gas", "ebike", "device", "inspection")
ESCALATION_NAMES: Final = {1: "函告", 2: "通报", 3: "约谈", 4: "曝光"}
MAX_LEVEL: Final = 4
# 九小场所 (the nine kinds of small venues) and the other places the plan names.
VENUE_TYPES: Final = {
    "school": "小学校或幼儿园",
    "clinic": "小医院",
    "shop": "小商店",
    "restaurant": "小餐饮场所",
    "hotel": "小旅馆",
    "entertainment": "小歌舞娱乐场所",
    "internet_cafe": "小网吧",
    "beauty_bath": "小美容洗浴场所",
    "workshop": "小生产加工企业",
    "self_built_house": "自建房",
    "old_compound": "老旧小区",
    "high_rise": "高层住宅",
    "other": "其他",
}

# (from, to) -> roles allowed to make the move.
_MOVES: Final[dict[tuple[str, str], frozenset[str]]] = {
    ("open", "assigned"): frozenset({"admin", "duty"}),
    ("assigned", "rectifying"): frozenset({"admin", "duty", "manager"}),
    ("rectifying", "review"): frozenset({"admin", "duty", "manager"}),
    ("review", "closed"): frozenset({"admin", "duty"}),
    ("review", "rectifying"): frozenset({"admin", "duty"}),
}

# A ticket's title is the alarm's name; a gas ticket is only ever for a critical leak.
_TITLE_SUFFIX: Final = {"gas": "（严重）"}


class TicketError(Exception):
    """A move that cannot be made; ``status`` is the HTTP status that says why."""

    status = 409


class TicketForbidden(TicketError):
    status = 403


class TicketInvalid(TicketError):
    status = 422


class Ticket(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    alarm_id: str | None
    title: str
    category: str
    severity: str
    building_id: str
    status: str
    responsible: str
    due_ms: int
    escalation_level: int
    created_ms: int
    updated_ms: int
    created_by: str
    closed_ms: int | None = None
    venue_type: str | None = None


class TicketEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a ticket's history: a move, or an escalation (from == to)."""

    id: str
    ticket_id: str
    at_ms: int
    by: str
    from_status: str | None
    to_status: str
    note: str | None
    escalation_level: int


def category_for(alarm: Alarm) -> str | None:
    """The ticket category an alarm calls for (contract section 5), or None."""
    category = TICKET_CATEGORY.get(alarm.kind)
    if category is None or (alarm.kind == "gas" and alarm.severity != "critical"):
        return None
    return category


def title_for(alarm: Alarm, building_name: str | None) -> str:
    where = building_name or alarm.building_id
    subject = f"{where}" if alarm.device_id is None else f"{where} {alarm.device_id}"
    return f"{zh(KIND, alarm.kind)}{_TITLE_SUFFIX.get(alarm.kind, '')}：{subject}"


def allowed_moves(status: str, role: Role) -> tuple[str, ...]:
    """Where ``role`` may move a ticket in ``status``: the console draws its buttons from this."""
    return tuple(to for (frm, to), roles in _MOVES.items() if frm == status and role in roles)


def move(
    ticket: Ticket,
    to: str,
    *,
    role: Role,
    by: str,
    note: str | None,
    now: int,
    entry_id: str,
    responsible: str | None = None,
) -> tuple[Ticket, TicketEntry]:
    """Apply one move of the lifecycle, or raise TicketError saying why it cannot be made."""
    if to not in STATUSES:
        raise TicketInvalid(f"unknown status {to!r}; one of {', '.join(STATUSES)}")
    if ticket.status == "closed":
        raise TicketError(f"ticket {ticket.id} is closed (销号); nothing leaves closed")
    allowed = _MOVES.get((ticket.status, to))
    if allowed is None:
        nexts = [b for (a, b) in _MOVES if a == ticket.status]
        raise TicketError(
            f"cannot move ticket {ticket.id} from {ticket.status} to {to}; "
            f"from {ticket.status} it can go to {', '.join(nexts)}"
        )
    if role not in allowed:
        raise TicketForbidden(f"a {role} token cannot move a ticket from {ticket.status} to {to}")
    if responsible is not None and (role not in ("admin", "duty") or to != "assigned"):
        # Whoever is responsible also gets the escalations and the export: only the street's
        # own staff hand a ticket to someone, and only when assigning it.
        raise TicketForbidden(
            f"responsible: only an admin or duty token sets it, when moving to assigned "
            f"(this is a {role} token moving to {to})"
        )
    if to == "closed" and not (note and note.strip()):
        raise TicketInvalid(
            "note: closing a ticket (销号) needs a note saying how it was rectified"
        )
    updated = msgspec.structs.replace(
        ticket,
        status=to,
        updated_ms=now,
        closed_ms=now if to == "closed" else None,
        responsible=responsible or ticket.responsible,
    )
    entry = TicketEntry(
        id=entry_id,
        ticket_id=ticket.id,
        at_ms=now,
        by=by,
        from_status=ticket.status,
        to_status=to,
        note=note,
        escalation_level=updated.escalation_level,
    )
    return updated, entry


def escalation_level(ticket: Ticket, *, now: int, every_ms: int) -> int:
    """The level an open ticket should be at: one per ``every_ms`` past its due time, up to 4."""
    if ticket.status == "closed" or now < ticket.due_ms + every_ms:
        return ticket.escalation_level
    return max(ticket.escalation_level, min(MAX_LEVEL, (now - ticket.due_ms) // every_ms))


def escalate(ticket: Ticket, level: int, *, now: int, entry_id: str) -> tuple[Ticket, TicketEntry]:
    updated = msgspec.structs.replace(ticket, escalation_level=level, updated_ms=now)
    entry = TicketEntry(
        id=entry_id,
        ticket_id=ticket.id,
        at_ms=now,
        by="escalation",
        from_status=ticket.status,
        to_status=ticket.status,
        note=f"逾期升级：{ESCALATION_NAMES[level]}（第{level}级）",
        escalation_level=level,
    )
    return updated, entry


def opened_entry(ticket: Ticket, *, entry_id: str, note: str | None) -> TicketEntry:
    return TicketEntry(
        id=entry_id,
        ticket_id=ticket.id,
        at_ms=ticket.created_ms,
        by=ticket.created_by,
        from_status=None,
        to_status=ticket.status,
        note=note,
        escalation_level=0,
    )
