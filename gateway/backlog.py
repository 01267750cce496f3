"""The backlog of hazards found before SiteGuard (存量隐患), imported into the register.

The plan (夯实基础) asks that the existing backlog be cleared by its deadline, item by item,
like every other hazard; so each row of the street's register becomes a ticket with
``source: "backlog"``, tracked to closure (销号) and escalated when overdue. One function
serves ``siteguard registry import --hazards H.csv`` and ``POST /api/v1/tickets/backlog``.

A row's ``ref`` (the register's own number, 台账编号) is its identity: the ticket's id is
derived from it, so importing the same register twice, or a longer version of it, adds only
the rows not yet there and changes nothing else. A bad row is reported with its line number
and skipped; the good rows are written.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy.engine import Connection

from alerting.labels import VENUE
from alerting.tickets import Ticket, TicketError, check_class, opened_entry
from core.config import TicketsConfig
from core.text import Name, Note
from core.timefmt import parse_rfc3339
from gateway.audit import Actor, audit_row, record
from gateway.store import schema
from gateway.store.writeset import WriteSet, apply_writeset
from gateway.tickets import responsible_for

_BATCH = 500  # rows per transaction; the progress callback hears after each


class BacklogRow(BaseModel):
    """One hazard of the register, as its CSV columns give it."""

    model_config = ConfigDict(extra="forbid")
    ref: Annotated[str, StringConstraints(pattern=r"^[!-~]{1,64}$")] = Field(
        description="the register's number for it (台账编号): its identity across imports"
    )
    building_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
    title: Name
    category: Literal["fire", "gas", "ebike", "device", "inspection"] = "inspection"
    severity: Literal["info", "warning", "critical"] = "warning"
    hazard_class: Literal["major", "general"] = "general"
    hazard_criterion: Name | None = None
    responsible: Name | None = None
    due_at: str | None = Field(default=None, description="RFC 3339, or a date: YYYY-MM-DD")
    found_at: str | None = Field(default=None, description="when it was found; default: now")
    venue_type: str | None = None
    note: Note | None = None


@dataclass
class BacklogReport:
    rows: int = 0
    created: int = 0
    existing: int = 0
    errors: list[str] = field(default_factory=list)


def backlog_ticket_id(ref: str) -> str:
    """26 characters, like the ULIDs of other tickets, and the same for the same ref."""
    return "BL" + hashlib.sha256(ref.encode()).hexdigest()[:24].upper()


def csv_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, cells)`` of each data row; empty cells left out. A byte-order mark (from a
    spreadsheet) is ignored."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    if reader.fieldnames is None or "ref" not in reader.fieldnames:
        raise ValueError("the header row must name a 'ref' column (the register's number)")
    for row in reader:
        cells = {k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()}
        yield reader.line_num, cells


def import_backlog(
    conn_factory: Callable[[Callable[[Connection], None]], None],
    rows: Iterator[tuple[int, dict[str, str]]],
    *,
    config: TicketsConfig,
    now_ms: int,
    actor: Actor,
    audit_id: str,
    where: str = "backlog",
    progress: Callable[[BacklogReport], None] | None = None,
) -> BacklogReport:
    """Check every row; write the good ones ``_BATCH`` at a time, each batch in one
    transaction run by ``conn_factory``; then audit the import as one entry."""
    report = BacklogReport()
    by = actor.name
    batch: list[tuple[int, BacklogRow]] = []

    def flush() -> None:
        if batch:
            conn_factory(lambda conn: _write(conn, list(batch), report, config, now_ms, by, where))
            batch.clear()
            if progress is not None:
                progress(report)

    for line, cells in rows:
        report.rows += 1
        try:
            batch.append((line, BacklogRow.model_validate(cells)))
        except ValidationError as exc:
            first = exc.errors()[0]
            column = ".".join(str(p) for p in first["loc"]) or "row"
            report.errors.append(f"{where}:{line}: {column}: {first['msg']}")
            continue
        if len(batch) >= _BATCH:
            flush()
    flush()
    summary = {
        "rows": report.rows,
        "created": report.created,
        "existing": report.existing,
        "bad": len(report.errors),
    }
    entry = audit_row(
        entry_id=audit_id,
        at_ms=now_ms,
        actor=actor,
        action="tickets.import",
        target_kind="backlog",
        target_id=where[:64],
        after=summary,
    )
    conn_factory(lambda conn: record(conn, entry))
    return report


def _write(
    conn: Connection,
    batch: list[tuple[int, BacklogRow]],
    report: BacklogReport,
    config: TicketsConfig,
    now_ms: int,
    by: str,
    where: str,
) -> None:
    t, b = schema.tickets, schema.buildings
    ids = [backlog_ticket_id(row.ref) for _, row in batch]
    present = set(conn.execute(sa.select(t.c.id).where(t.c.id.in_(ids))).scalars())
    names = {row.building_id for _, row in batch}
    buildings = {
        r.building_id: r.property_company
        for r in conn.execute(
            sa.select(b.c.building_id, b.c.property_company).where(b.c.building_id.in_(names))
        )
    }
    ws = WriteSet()
    for (line, row), ticket_id in zip(batch, ids, strict=True):
        if ticket_id in present or ticket_id in {x.id for x in ws.tickets_new}:
            report.existing += 1
            continue
        try:
            ticket = _ticket(row, ticket_id, buildings, config, now_ms, by)
        except (TicketError, ValueError) as exc:
            report.errors.append(f"{where}:{line}: {exc}")
            continue
        ws.tickets_new.append(ticket)
        ws.ticket_history.append(
            opened_entry(
                ticket, entry_id="BH" + ticket_id[2:], note=row.note or f"存量隐患 {row.ref}"
            )
        )
        report.created += 1
    apply_writeset(conn, ws)


def _ticket(
    row: BacklogRow,
    ticket_id: str,
    buildings: dict[str, str | None],
    config: TicketsConfig,
    now_ms: int,
    by: str,
) -> Ticket:
    if row.building_id not in buildings:
        raise ValueError(f"building_id: unknown building {row.building_id!r}; register it first")
    if row.venue_type is not None and row.venue_type not in VENUE:
        raise ValueError(f"venue_type: one of {', '.join(VENUE)}")
    criterion = check_class(row.hazard_class, row.hazard_criterion)
    found_ms = _time(row.found_at, "found_at") if row.found_at else now_ms
    due_ms = (
        _time(row.due_at, "due_at")
        if row.due_at
        else found_ms + getattr(config.due_s, row.category) * 1000
    )
    responsible = row.responsible or responsible_for(
        config, row.category, buildings[row.building_id]
    )
    return Ticket(
        id=ticket_id,
        alarm_id=None,
        title=row.title,
        category=row.category,
        venue_type=row.venue_type,
        severity=row.severity,
        building_id=row.building_id,
        status="open",
        responsible=responsible,
        due_ms=due_ms,
        escalation_level=0,
        created_ms=found_ms,
        updated_ms=now_ms,
        created_by=by,
        hazard_class=row.hazard_class,
        hazard_criterion=criterion,
        source="backlog",
    )


def _time(value: str, column: str) -> int:
    """RFC 3339, or a bare date (the register's usual form), read as midnight UTC+8."""
    text = f"{value}T00:00:00+08:00" if len(value) == 10 else value
    try:
        return parse_rfc3339(text)
    except ValueError as exc:
        raise ValueError(f"{column}: {exc}") from None
