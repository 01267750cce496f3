"""The quarterly work report (季度工作情况): the plan asks each office (科室) and community to
report the previous quarter's work on the first day of each quarter ("自2024年4月1日起，各科室、
社区要于每季度第一天报送上季度工作情况", /work/shared/seed/). Per responsible office and per
community: tickets opened and closed, on-time closure, escalations, the 九小场所 inspected
against the plan, public reports answered, and a ranking for 考核. docs/reports.md defines
each figure and the ranking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.store import schema
from reports import metrics
from reports.data import Dataset


def _public_reports(
    conn: Connection, w: metrics.Window, buildings: Sequence[str] | None
) -> list[tuple[str, str | None, bool]]:
    """The public reports (举报) received in the window: (building, the office answering it,
    answered). A duplicate folded into another report is answered with that one's ticket."""
    p, t = schema.public_reports, schema.tickets
    scope = sa.true() if buildings is None else p.c.building_id.in_(sorted(buildings))
    rows = conn.execute(
        sa.select(
            p.c.id, p.c.building_id, p.c.folded_into, p.c.created_ms, t.c.responsible,
            t.c.closed_ms,
        )
        .select_from(p.outerjoin(t, t.c.id == p.c.ticket_id))
        .where(scope, p.c.created_ms < w.end)
    ).all()  # fmt: skip
    by_id = {r.id: r for r in rows}
    out = []
    for r in rows:
        if not w.start <= r.created_ms < w.end:
            continue
        answering = by_id.get(r.folded_into, r) if r.folded_into else r
        closed = answering.closed_ms
        out.append((r.building_id, answering.responsible, closed is not None and closed < w.until))
    return out


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _rank(rows: list[dict[str, Any]], key: Any) -> list[dict[str, Any]]:
    """Sorted by ``key``; equal keys share a rank (1, 2, 2, 4)."""
    rows = sorted(rows, key=lambda r: (key(r), r["name"]))
    for i, row in enumerate(rows):
        same = i and key(rows[i - 1]) == key(row)
        row["rank"] = rows[i - 1]["rank"] if same else i + 1
    return rows


def _desc(value: float | None) -> float:
    """A rate sorted highest first, an undefined one (nothing to rate) last."""
    return 1.0 if value is None else -value


def work_report(
    conn: Connection,
    ds: Dataset,
    w: metrics.Window,
    *,
    quarter: str,
    communities: list[str],
    community_of: np.ndarray,
    coverage: list[dict[str, Any]],
    buildings: Sequence[str] | None,
    unassigned: str,
) -> dict[str, Any]:
    """``communities`` are the unit names, ``community_of`` each building's index among them;
    ``coverage`` the report's inspection coverage rows."""
    t = ds.tickets
    rose = metrics.escalations(ds, w)
    known = t.building >= 0
    created = known & (t.created >= w.start) & (t.created < w.end)
    closed = known & (t.closed >= w.start) & (t.closed < w.end)
    on_time = closed & (t.closed <= t.due)
    community = np.where(known, community_of[np.maximum(t.building, 0)], -1)
    public = _public_reports(conn, w, buildings)
    index = ds.buildings.index

    def tickets(mask: np.ndarray) -> dict[str, Any]:
        done = int(np.count_nonzero(mask & closed))
        return {
            "opened": int(np.count_nonzero(mask & created)),
            "closed": done,
            "on_time": int(np.count_nonzero(mask & on_time)),
            "on_time_rate": _rate(int(np.count_nonzero(mask & on_time)), done),
            "escalations": int(rose[mask & known].sum()),
        }

    def answered(rows: list[tuple[str, str | None, bool]]) -> dict[str, Any]:
        return {
            "public_reports": len(rows),
            "public_answered": sum(ok for _, _, ok in rows),
            "public_answered_rate": _rate(sum(ok for _, _, ok in rows), len(rows)),
        }

    offices = [
        {
            "name": office,
            **tickets(t.office == o),
            **answered([r for r in public if r[1] == office]),
        }
        for o, office in enumerate(t.offices)
        if np.any((t.office == o) & (created | closed))
    ]
    plan = {(r["community"] or unassigned): r for r in coverage if r["quarter"] == quarter}
    units = []
    for c, name in enumerate(communities):
        due = plan.get(name, {})
        units.append(
            {
                "name": name,
                **tickets(community == c),
                "venues": due.get("venues", 0),
                "inspected": due.get("done", 0),
                "coverage_rate": due.get("rate"),
                **answered([r for r in public if r[0] in index and community_of[index[r[0]]] == c]),
            }
        )
    return {
        "quarter": quarter,
        "offices": _rank(offices, lambda r: (_desc(r["on_time_rate"]), r["escalations"])),
        "communities": _rank(
            units,
            lambda r: (_desc(r["on_time_rate"]), _desc(r["coverage_rate"]), r["escalations"]),
        ),
    }
