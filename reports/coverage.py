"""Inspection coverage (九小场所, plan item 7: one full cycle of checks every quarter) for the
quarters a report's period touches: per community, the venues due and how many were
inspected in each quarter, counted the way ``GET /api/v1/inspections/plan`` counts them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from alerting.inspections import Quarter, coverage, plan
from gateway.store.inspections import done_in, venues
from reports.period import Period


def inspection_coverage(
    conn: Connection,
    period: Period,
    *,
    venue_types: Collection[str],
    buildings: Sequence[str] | None,
    now_ms: int,
) -> list[dict[str, Any]]:
    """One row per quarter and community: ``quarter``, ``community``, ``venues``, ``done``,
    ``rate`` (None when no venue is due), ``overdue`` (venues not inspected once the quarter
    ended). Venues are the register's today: a venue registered later counts in earlier
    quarters too (the register keeps no history)."""
    tz = ZoneInfo(period.timezone)
    scope = None if buildings is None else frozenset(buildings)
    due = venues(conn, venue_types=venue_types, community=None, buildings=scope)
    quarter = Quarter.of(period.start_ms, tz)
    last = Quarter.of(period.end_ms - 1, tz)
    rows: list[dict[str, Any]] = []
    while True:
        _, end = quarter.bounds_ms(tz)
        done = done_in(conn, str(quarter), [v.building_id for v in due])
        entries = plan(due, done, quarter_end_ms=end, now_ms=now_ms)
        overdue: dict[str | None, int] = {}
        for entry in entries:
            overdue[entry.venue.community] = overdue.get(entry.venue.community, 0) + (
                entry.state == "overdue"
            )
        rows += [
            {
                "quarter": str(quarter),
                "community": c.community,
                "venues": c.venues,
                "done": c.done,
                "rate": c.rate,
                "overdue": overdue.get(c.community, 0),
            }
            for c in coverage(entries)
        ]
        if quarter == last:
            return rows
        quarter = quarter.next()
