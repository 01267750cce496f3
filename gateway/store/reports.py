"""Reports as delivered: stored once per period, with their announcement in the outbox."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.notification import Notification
from gateway.store import schema
from gateway.store.alarms import notification_row
from gateway.store.rows import ReportEntry, ReportRow


def report_exists(conn: Connection, report_id: str) -> bool:
    r = schema.reports
    return conn.execute(sa.select(r.c.id).where(r.c.id == report_id)).first() is not None


def save_report(conn: Connection, row: ReportRow, announcement: Notification) -> bool:
    """Stores the report and its announcement together; False if it was already stored
    (then nothing is written: the announcement went out with the first)."""
    if report_exists(conn, row.id):
        return False
    conn.execute(sa.insert(schema.reports), msgspec.structs.asdict(row))
    conn.execute(
        sa.insert(schema.notifications), msgspec.structs.asdict(notification_row(announcement))
    )
    return True


def list_reports(conn: Connection) -> list[ReportEntry]:
    """Every stored report, newest first, without its renderings."""
    r = schema.reports
    rows = conn.execute(
        sa.select(r.c.id, r.c.kind, r.c.period, r.c.created_ms).order_by(r.c.created_ms.desc())
    )
    return [
        ReportEntry(id=row.id, kind=row.kind, period=row.period, created_ms=row.created_ms)
        for row in rows
    ]


def load_report(conn: Connection, report_id: str) -> ReportRow | None:
    r = schema.reports
    row = conn.execute(sa.select(r).where(r.c.id == report_id)).one_or_none()
    if row is None:
        return None
    return ReportRow(
        id=row.id,
        kind=row.kind,
        period=row.period,
        created_ms=row.created_ms,
        json=row.json,
        html=row.html,
    )
