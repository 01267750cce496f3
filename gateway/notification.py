"""What one notification says: the value the store keeps in its outbox and the channels send."""

from __future__ import annotations

import msgspec

from alerting.model import SEVERITY_RANK, Alarm
from alerting.tickets import Ticket


class ReportNotice(msgspec.Struct, frozen=True, kw_only=True):
    """A scheduled report, ready: what it covers, where to read it, its headline figures."""

    report_id: str  # e.g. month:2026-10
    kind: str  # month, quarter, year
    period: str  # 2026-10
    title: str  # 2026年10月
    url: str | None  # the console's link to it, when reports.public_url is set
    headline: dict[str, float | None] = msgspec.field(default_factory=dict)
    warnings: int = 0


class AdminNotice(msgspec.Struct, frozen=True, kw_only=True):
    """Something the administrator should do: a product sends fields no product model
    reads (kind ``unmapped``), said once per product per day."""

    kind: str
    product: str
    fields: tuple[str, ...]
    device_id: str | None = None
    count: int = 1  # messages with unread fields from the product today, so far


class RiskNotice(msgspec.Struct, frozen=True, kw_only=True):
    """A building's risk level rose (the risk index's early warning, docs/risk.md): from
    what to what, the score, and the factors that weigh most (name -> points)."""

    building_id: str
    level: str  # red, orange, yellow
    previous_level: str
    score: float
    previous_score: float
    top: dict[str, float] = msgspec.field(default_factory=dict)
    lifted_by: str | None = None


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    """A building's responsible person (主要负责人 or 实际控制人) as the register has them: whom a
    ticket notice also reaches, by e-mail or by a robot's @-mention of their mobile.

    Personal data: read from the register when a notice is sent, never stored in the outbox,
    and never shown whole in a log line or an error (``repr`` says only what is there)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None  # as registered: 13812345678, 138 1234 5678, +86 138..., 022-...

    @property
    def mobile(self) -> str | None:
        """The phone as the robots' mention lists take it (11 digits, no +86), if it is a
        mobile number; a landline cannot be @-mentioned."""
        if self.phone is None:
            return None
        digits = "".join(c for c in self.phone if c.isdigit())
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        return digits if len(digits) == 11 and digits.startswith("1") else None

    def __repr__(self) -> str:
        shown = [k for k in ("name", "email", "phone") if getattr(self, k) is not None]
        return f"Contact({', '.join(shown)})"

    __str__ = __repr__


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    """What one notification says: an alarm's change, a ticket's (opened, put under
    supervision, escalated). Stored whole in the outbox, so a restart delivers exactly this."""

    id: str
    # opened, escalated, reminder, cleared (alarms); opened, supervised, escalated (tickets)
    reason: str
    created_ms: int
    alarm: Alarm | None = None
    ticket: Ticket | None = None
    report: ReportNotice | None = None
    notice: AdminNotice | None = None
    risk: RiskNotice | None = None  # reason "raised"
    # A digest: minor notices merged by the dispatcher for a rate-limited channel. Made at
    # send time, never stored (the outbox keeps each of them).
    digest: tuple[Notification, ...] = ()
    # The building's responsible person, for the channels a route tells them through
    # (``notify_responsible``). Added by the dispatcher at send time, never stored.
    responsible: Contact | None = None

    @property
    def subject(self) -> str:
        if self.digest:
            return "digest"
        if self.alarm is not None:
            return "alarm"
        if self.notice is not None:
            return "notice"
        if self.risk is not None:
            return "risk"
        return "ticket" if self.ticket is not None else "report"

    @property
    def building_id(self) -> str:
        if self.alarm is not None:
            return self.alarm.building_id
        if self.risk is not None:
            return self.risk.building_id
        return self.ticket.building_id if self.ticket is not None else "*"  # the whole street

    @property
    def severity(self) -> str:
        if self.digest:
            return max((n.severity for n in self.digest), key=SEVERITY_RANK.__getitem__)
        if self.alarm is not None:
            return self.alarm.severity
        if self.risk is not None:
            return "warning"  # never critical: an early warning must not compete with alarms
        return self.ticket.severity if self.ticket is not None else "info"

    @property
    def kind(self) -> str:
        """Alarm kind, ticket category, or report kind: what routes filter on."""
        if self.digest:
            return "digest"
        if self.notice is not None:
            return self.notice.kind
        if self.alarm is not None:
            return self.alarm.kind
        if self.ticket is not None:
            return self.ticket.category
        if self.risk is not None:
            return self.risk.level
        return self.report.kind if self.report is not None else ""


encode_notification = msgspec.json.Encoder().encode
decode_notification = msgspec.json.Decoder(Notification).decode
