"""Hazard tickets and their way to closure (销号): pure rules, no I/O, no clock.

The street's plan asks that every hazard found be listed, assigned to a responsible office,
rectified and closed item by item (照单逐条整改销号), with escalation for slow progress
(函告, 通报, 约谈, 曝光). Statuses: open -> assigned -> rectifying -> review -> closed, and
review -> rectifying when the rectification is rejected. Nothing leaves ``closed``.

The plan also keeps a hazard register (隐患台账): each ticket is a major (重大事故隐患, judged
by the national criteria, which the ticket cites) or a general hazard, says where it came
from, and a major one may be put under the office's supervision (挂牌督办) with a deadline of
its own, or referred (移送) to the department competent for it. Those changes do not move the
status; each is a history line like an escalation (from == to).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import msgspec

from alerting.labels import KIND, VENUE, zh
from alerting.model import TICKET_CATEGORY, Alarm
from core.timefmt import rfc3339

Role = Literal["admin", "duty", "manager", "inspector"]
STATUSES: Final = ("open", "assigned", "rectifying", "review", "closed")
CATEGORIES: Final = ("fire", "gas", "ebike", "device", "inspection")
ESCALATION_NAMES: Final = {1: "函告", 2: "通报", 3: "约谈", 4: "曝光"}
MAX_LEVEL: Final = 4
# 九小场所 (the nine kinds of small venues) and the other places the plan names; the keys are
# the contract's (section 6), shared with the buildings' ``venue_type``.
VENUE_TYPES: Final = {key: label.zh for key, label in VENUE.items()}
# The 九小场所 themselves: the first nine, each due for inspection once per quarter.
NINE_SMALL: Final = tuple(VENUE_TYPES)[:9]
# 重大事故隐患 (judged by the national criteria) or 一般隐患.
HAZARD_CLASSES: Final = ("major", "general")
HAZARD_CLASS_NAMES: Final = {"major": "重大事故隐患", "general": "一般隐患"}
# Where a ticket came from: an alarm, an inspection, the backlog of earlier findings, a person
# at the console, or a public report.
SOURCES: Final = ("alarm", "inspection", "backlog", "manual", "public")
# Who keeps the register: classify, supervise (挂牌督办), refer (移送).
_REGISTRARS: Final = frozenset({"admin", "duty"})
# A ticket is (re)classified when it is opened or while its finding is examined.
_CLASSIFIABLE: Final = ("open", "review")

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
    # The hazard register (隐患台账); the columns of the same names in ``tickets``.
    hazard_class: str = "general"
    hazard_criterion: str | None = None  # the national criterion a major hazard was judged by
    source: str = "manual"
    supervised_ms: int | None = None  # 挂牌督办 since; its deadline is ``due_ms``
    referred_to: str | None = None  # 移送: the department
    referred_ms: int | None = None
    referral_reply: str | None = None  # the department's answer
    inspection_id: str | None = None  # the inspection whose failed item opened it


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


# ---- the hazard register (隐患台账) -------------------------------------------------------


def check_class(hazard_class: str, criterion: str | None) -> str | None:
    """The criterion to keep with ``hazard_class``, or TicketInvalid: a major hazard is one
    judged so by a national criterion (e.g. 《重大火灾隐患判定方法》GB 35181), and the register
    must say which, or the classification cannot be checked or defended."""
    if hazard_class not in HAZARD_CLASSES:
        raise TicketInvalid(
            f"hazard_class: unknown class {hazard_class!r}; one of {', '.join(HAZARD_CLASSES)}"
        )
    cited = criterion.strip() if criterion else None
    if hazard_class == "major" and not cited:
        raise TicketInvalid(
            "hazard_criterion: a major hazard (重大事故隐患) needs the national criterion it was "
            "judged by, e.g. 《重大火灾隐患判定方法》GB 35181 and its clause"
        )
    return cited or None


def classify(
    ticket: Ticket,
    *,
    hazard_class: str,
    criterion: str | None,
    role: Role,
    by: str,
    note: str | None,
    now: int,
    entry_id: str,
) -> tuple[Ticket, TicketEntry]:
    """Set a ticket's hazard class, while it is open or in review (where the finding is
    examined); a supervised ticket stays major, since the office's supervision is for major
    hazards only."""
    _registrar(role, "classify a ticket")
    if ticket.status not in _CLASSIFIABLE:
        raise TicketError(
            f"ticket {ticket.id} is {ticket.status}; it is classified only while "
            f"{' or '.join(_CLASSIFIABLE)}"
        )
    cited = check_class(hazard_class, criterion)
    if hazard_class != "major" and ticket.supervised_ms is not None:
        raise TicketError(
            f"ticket {ticket.id} is under supervision (挂牌督办) as a major hazard; "
            "it cannot become general"
        )
    updated = msgspec.structs.replace(
        ticket, hazard_class=hazard_class, hazard_criterion=cited, updated_ms=now
    )
    said = HAZARD_CLASS_NAMES[hazard_class] + (f"（{cited}）" if cited else "")
    return updated, _register_entry(updated, f"隐患分级：{said}", note, by, now, entry_id)


def supervise(
    ticket: Ticket,
    *,
    due_ms: int,
    role: Role,
    by: str,
    note: str | None,
    now: int,
    entry_id: str,
) -> tuple[Ticket, TicketEntry]:
    """Put a major hazard under the office's supervision (挂牌督办) with its deadline: the
    ticket's due time becomes that deadline, so escalation runs on it. Supervising again sets
    a new deadline and keeps the time supervision began."""
    _registrar(role, "supervise a ticket (挂牌督办)")
    if ticket.status == "closed":
        raise TicketError(f"ticket {ticket.id} is closed (销号); it is no longer supervised")
    if ticket.hazard_class != "major":
        raise TicketError(
            f"ticket {ticket.id} is a {ticket.hazard_class} hazard; only a major hazard "
            "(重大事故隐患) is supervised (挂牌督办): classify it first"
        )
    if due_ms <= now:
        raise TicketInvalid("due_at: the supervision deadline must be in the future")
    updated = msgspec.structs.replace(
        ticket,
        supervised_ms=ticket.supervised_ms if ticket.supervised_ms is not None else now,
        due_ms=due_ms,
        updated_ms=now,
    )
    what = f"挂牌督办，整改期限 {rfc3339(due_ms)}"
    return updated, _register_entry(updated, what, note, by, now, entry_id)


def refer(
    ticket: Ticket,
    *,
    department: str,
    departments: Sequence[str],
    role: Role,
    by: str,
    note: str | None,
    now: int,
    entry_id: str,
    reply: str | None = None,
) -> tuple[Ticket, TicketEntry]:
    """Refer a ticket (移送) to the department competent for it (one of ``departments``, the
    configured ones); with ``reply``, record that department's answer to the referral."""
    _registrar(role, "refer a ticket (移送)")
    if department not in departments:
        raise TicketInvalid(f"department: one of {', '.join(departments)}")
    if reply is not None:
        return record_referral_reply(
            ticket, department=department, reply=reply, by=by, now=now, entry_id=entry_id
        )
    if ticket.status == "closed":
        raise TicketError(f"ticket {ticket.id} is closed (销号); it is not referred any more")
    if ticket.referred_to == department:
        raise TicketError(
            f"ticket {ticket.id} is already referred to {department}; "
            "send its reply to record the department's answer"
        )
    updated = msgspec.structs.replace(
        ticket, referred_to=department, referred_ms=now, referral_reply=None, updated_ms=now
    )
    return updated, _register_entry(updated, f"移送 {department}", note, by, now, entry_id)


def record_referral_reply(
    ticket: Ticket, *, department: str, reply: str, by: str, now: int, entry_id: str
) -> tuple[Ticket, TicketEntry]:
    """The referred department's answer, kept with the ticket (also once it is closed: the
    answer may come after the rectification)."""
    answer = reply.strip()
    if not answer:
        raise TicketInvalid("reply: the department's answer is empty")
    if ticket.referred_to != department:
        where = ticket.referred_to or "no department"
        raise TicketError(
            f"ticket {ticket.id} is referred to {where}, not {department}: refer it first"
        )
    updated = msgspec.structs.replace(ticket, referral_reply=answer, updated_ms=now)
    return updated, _register_entry(updated, f"{department} 答复", answer, by, now, entry_id)


def _registrar(role: Role, what: str) -> None:
    if role not in _REGISTRARS:
        raise TicketForbidden(f"a {role} token cannot {what}; admin and duty tokens can")


def _register_entry(
    ticket: Ticket, what: str, note: str | None, by: str, now: int, entry_id: str
) -> TicketEntry:
    """A history line for a register change: the status stays, as with an escalation."""
    return TicketEntry(
        id=entry_id,
        ticket_id=ticket.id,
        at_ms=now,
        by=by,
        from_status=ticket.status,
        to_status=ticket.status,
        note=f"{what}：{note}" if note else what,
        escalation_level=ticket.escalation_level,
    )
