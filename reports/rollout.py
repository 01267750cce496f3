"""Rollout coverage of the plan's device programmes (docs/rollout.md) for a report: per
programme, its total and one row per community and venue type, at the period's end.

What the database knows of the past is which devices were registered by then (their
``created_ms``), not whether they were online then: ``online`` is the devices' state when
the report is generated. For the running period that is the period's state so far; for a
period already over, the report says so (``online_as_of``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from alerting.labels import VENUE, zh
from alerting.rollout import rollout
from core.config.rollout import RolloutConfig
from gateway.store.rollout import fitted, in_scope, sites
from reports.period import Period


def rollout_rows(
    conn: Connection,
    period: Period,
    *,
    config: RolloutConfig,
    buildings: Sequence[str] | None,
    now_ms: int,
) -> list[dict[str, Any]]:
    """Per enabled programme, a ``level`` ``total`` row and then ``row``s per community and
    venue type; each with ``programme``, ``title``, ``device_type``, ``deadline``,
    ``as_of`` (the period's last day, or today while it runs), ``days_left`` and
    ``expected_rate`` on that day, ``online_as_of``, ``community``, ``venue_type`` and its
    Chinese ``venue_label``, the counts and rates, and ``status``. Buildings are the
    register's today (it keeps no history of venue types)."""
    programmes = config.programmes()
    tz = ZoneInfo(period.timezone)
    at_ms = min(period.end_ms, now_ms)
    as_of = datetime.fromtimestamp((at_ms - 1) / 1000, tz).date()
    online_as_of = datetime.fromtimestamp(now_ms / 1000, tz).isoformat()
    venue_types = {v for p in programmes.values() for v in p.venue_types}
    scope = in_scope(buildings)
    found = sites(conn, venue_types=venue_types, community=None, scope=scope)
    devices = fitted(
        conn,
        device_types={p.device_type for p in programmes.values()},
        venue_types=venue_types,
        community=None,
        scope=scope,
        registered_before_ms=at_ms,
    )
    rows: list[dict[str, Any]] = []
    for key, programme in programmes.items():
        r = rollout(key, programme, found, devices, today=as_of)
        head = {
            "programme": key,
            "title": programme.title,
            "device_type": programme.device_type,
            "deadline": programme.deadline.isoformat(),
            "as_of": as_of.isoformat(),
            "days_left": r.progress.days_left,
            "expected_rate": round(r.progress.expected_rate, 4),
            "online_as_of": online_as_of,
        }
        rows.append(
            {
                **head,
                "level": "total",
                "community": None,
                "venue_type": None,
                "venue_label": None,
                **r.total.figures(digits=4),
                "status": r.status,
            }
        )
        rows += [
            {
                **head,
                "level": "row",
                "community": u.community,
                "venue_type": u.venue_type,
                "venue_label": zh(VENUE, u.venue_type or ""),
                **u.counts.figures(digits=4),
                "status": u.status,
            }
            for u in r.rows
        ]
    return rows
