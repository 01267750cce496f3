"""Typed rows of the tables a write-set fills: one struct per table, its fields the table's
columns, in the order the bulk statements bind them (``gateway/store/bulk.py``); and, in
the same style, the rows other store functions take or return (reports).

Field names are the column names, so write-sets spooled by earlier releases (rows as maps
with these keys) still decode. Rows are plain values a driver can bind: ``str``, ``int``,
``float``, ``bool``, ``bytes`` or ``None``.
"""

from __future__ import annotations

import msgspec


class Row(msgspec.Struct, kw_only=True, gc=False):
    """Base of every row: binds as a tuple in field order."""


class BuildingRow(Row):
    """A building seen on a topic before anyone registered it."""

    building_id: str
    auto: bool
    created_ms: int
    updated_ms: int


class DeviceRow(Row):
    """A device registered from its first message (``devices.auto_register``)."""

    device_id: str
    device_type: str
    building_id: str
    auto: bool
    online: bool
    first_seen_ms: int
    last_seen_ms: int
    created_ms: int
    updated_ms: int


class EventRow(Row):
    id: str
    device_id: str
    building_id: str
    device_type: str
    type: str
    received_ms: int
    ts_ms: int
    msg_id: str | None
    source: str
    confidence: float | None
    data: str


class SeenRow(Row):
    device_id: str
    msg_id: str
    received_ms: int
    point_us: int


class DeadLetterRow(Row):
    id: str
    received_ms: int
    source: str
    adapter: str
    topic: str
    reason: str
    detail: str
    device_id: str | None
    building_id: str | None
    payload: bytes
    product: str | None = None


class PendingRow(Row):
    id: str
    adapter: str
    identifier: str
    device_type: str | None
    summary: str | None
    received_ms: int
    source: str
    topic: str
    payload: bytes


class ReadingRow(Row):
    device_id: str
    at_ms: int
    data: str


class AlarmRow(Row):
    id: str
    kind: str
    severity: str
    status: str
    identity: str
    building_id: str
    device_id: str | None
    device_ids: str  # JSON list
    opened_ms: int
    updated_ms: int
    count: int
    latched: bool
    acknowledged_ms: int | None
    acknowledged_by: str | None
    verdict: str | None
    ack_note: str | None
    cleared_ms: int | None
    cleared_by: str | None
    clear_note: str | None
    ticket_id: str | None
    peak: float | None
    notified_ms: int | None
    held: bool


class AlarmHistoryRow(Row):
    id: str
    alarm_id: str
    building_id: str
    kind: str
    action: str
    at_ms: int
    by: str
    note: str | None
    severity: str
    status: str
    count: int
    notify: str


class NotificationRow(Row):
    id: str
    subject: str
    alarm_id: str | None
    ticket_id: str | None
    reason: str
    building_id: str
    kind: str
    severity: str
    created_ms: int
    status: str
    attempts: int
    payload: str


class RuleStateRow(Row):
    building_id: str
    state: str
    updated_ms: int


class StatusRow(Row, rename={"device_id": "b_device_id"}):
    """A device's status, written over its registry row (``gateway/store/status.py``)."""

    device_id: str
    last_seen_ms: int | None
    battery_pct: float | None
    rssi: float | None
    fw: str | None
    online: bool


class OutboxRow(Row):
    """A ticket change on its way to the district's hazard system."""

    id: str
    ticket_id: str
    created_ms: int
    payload: str
    status: str
    attempts: int


class InspectionRow(Row):
    """One inspection of one venue (``inspections``)."""

    id: str
    building_id: str
    community: str | None
    venue_type: str | None
    quarter: str
    at_ms: int
    inspector: str
    note: str | None
    failed: int


class InspectionItemRow(Row):
    """One checklist item answered; ``ticket_id`` is the ticket a failed item opened."""

    inspection_id: str
    item: str
    position: int
    ok: bool
    note: str | None
    photo_id: str | None
    ticket_id: str | None


class PublicReportRow(Row):
    """A public hazard report (``public_reports``)."""

    id: str
    tracking_code: str
    building_id: str
    category: str
    text: str
    photo_id: str | None
    contact: str | None
    address_digest: str
    ticket_id: str | None
    folded_into: str | None
    created_ms: int
    rewarded_ms: int | None = None


class AuditRow(Row):
    """One change a person made (``gateway/audit.py``)."""

    id: str
    at_ms: int
    actor: str
    role: str
    token_id: str | None
    address: str | None
    action: str
    target_kind: str
    target_id: str
    before: str | None
    after: str | None


class ReportEntry(Row):
    """A delivered report as the list shows it (``gateway/store/reports.py``)."""

    id: str
    kind: str  # month, quarter, year
    period: str  # e.g. 2026-10
    created_ms: int


class ReportRow(ReportEntry):
    """A delivered report with its renderings, exactly as delivered."""

    json: str
    html: str
