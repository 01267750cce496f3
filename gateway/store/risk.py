"""What the risk index reads (``alerting/risk.py``, docs/risk.md), and the levels last computed.

Set-based: one grouped query per source (alarms, e-bike detections, devices, tickets, failed
inspection items, public reports), each over the whole street or one building, never one
query per building. Plain SQL that SQLite and PostgreSQL both run.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.risk import Risk, RiskInputs
from gateway.notification import Notification
from gateway.store import schema
from gateway.store.alarms import notification_row

_NOT_REAL = ("false_alarm", "test")


@dataclass(frozen=True, kw_only=True)
class Place:
    building_id: str
    name: str | None
    community: str | None
    venue_type: str | None


@dataclass(frozen=True, kw_only=True)
class Stored:
    """A building's level as last computed (``risk_levels``)."""

    level: str
    score: float
    changed_ms: int


def places(
    conn: Connection, *, buildings: frozenset[str] | None, community: str | None
) -> list[Place]:
    """The buildings in scope (``None``: every one), of ``community`` if given."""
    b = schema.buildings
    query = sa.select(b.c.building_id, b.c.name, b.c.community, b.c.venue_type)
    if buildings is not None:
        query = query.where(b.c.building_id.in_(sorted(buildings)))
    if community is not None:
        query = query.where(b.c.community == community)
    return [
        Place(
            building_id=r.building_id, name=r.name, community=r.community, venue_type=r.venue_type
        )
        for r in conn.execute(query.order_by(b.c.building_id))
    ]


def _alarm_keys(*, kind: str, severity: str, verdict: str | None) -> tuple[str, ...]:
    """What an alarm counts towards: confirmed fires and critical gas alarms unless judged
    false or a test, smoke alarms (not tests) and the false ones, hotspots, device faults."""
    real = verdict not in _NOT_REAL
    if kind in ("fire", "compound"):
        return ("fires",) if real else ()
    if kind == "gas":
        return ("gas_critical",) if real and severity == "critical" else ()
    if kind == "smoke" and verdict != "test":
        return ("smoke_alarms", "smoke_false") if verdict == "false_alarm" else ("smoke_alarms",)
    if kind == "ebike_hotspot":
        return ("ebike_hotspots",)
    return ("faults",) if kind in ("device_fault", "tamper") else ()


def _one(column: sa.ColumnElement[str], only: str | None) -> list[sa.ColumnElement[bool]]:
    return [] if only is None else [column == only]


def risk_inputs(
    conn: Connection,
    places_: Iterable[Place],
    *,
    start_ms: int,
    end_ms: int,
    low_battery_pct: float,
    min_confidence: float,
) -> list[RiskInputs]:
    """The inputs of each of ``places_`` over ``[start_ms, end_ms)``; tickets as they stood at
    ``end_ms``; devices as they are now."""
    wanted = {p.building_id: p for p in places_}
    if not wanted:
        return []
    only = next(iter(wanted)) if len(wanted) == 1 else None
    counts: dict[str, dict[str, Any]] = defaultdict(dict)

    def add(building_id: str, key: str, value: Any) -> None:
        if building_id in wanted:
            slot = counts[building_id]
            slot[key] = slot.get(key, 0) + (value or 0)

    a = schema.alarms
    for r in conn.execute(
        sa.select(a.c.building_id, a.c.kind, a.c.severity, a.c.verdict, sa.func.count())
        .where(a.c.opened_ms >= start_ms, a.c.opened_ms < end_ms, *_one(a.c.building_id, only))
        .group_by(a.c.building_id, a.c.kind, a.c.severity, a.c.verdict)
    ):
        for key in _alarm_keys(kind=r[1], severity=r[2], verdict=r[3]):
            add(r[0], key, r[4])

    e = schema.events
    for r in conn.execute(
        sa.select(e.c.building_id, sa.func.count())
        .where(
            e.c.type == "ebike_detected",
            e.c.received_ms >= start_ms,
            e.c.received_ms < end_ms,
            sa.or_(e.c.confidence.is_(None), e.c.confidence >= min_confidence),
            *_one(e.c.building_id, only),
        )
        .group_by(e.c.building_id)
    ):
        add(r[0], "ebike_detections", r[1])

    d = schema.devices
    low = sa.case((d.c.battery_pct < low_battery_pct, 1), else_=0)
    online_types: dict[str, set[str]] = defaultdict(set)
    for r in conn.execute(
        sa.select(d.c.building_id, d.c.device_type, d.c.online, sa.func.count(), sa.func.sum(low))
        .where(*_one(d.c.building_id, only))
        .group_by(d.c.building_id, d.c.device_type, d.c.online)
    ):
        add(r[0], "devices", r[3])
        add(r[0], "low_battery", r[4])
        if r[2]:
            add(r[0], "devices_online", r[3])
            online_types[r[0]].add(r[1])

    t = schema.tickets
    open_then = sa.and_(
        t.c.created_ms < end_ms, sa.or_(t.c.closed_ms.is_(None), t.c.closed_ms >= end_ms)
    )
    for r in conn.execute(
        sa.select(
            t.c.building_id,
            sa.func.count(),
            sa.func.sum(sa.case((t.c.due_ms < end_ms, 1), else_=0)),
            sa.func.sum(sa.case((t.c.hazard_class == "major", 1), else_=0)),
            sa.func.sum(sa.case((t.c.supervised_ms < end_ms, 1), else_=0)),
        )
        .where(open_then, *_one(t.c.building_id, only))
        .group_by(t.c.building_id)
    ):
        add(r[0], "tickets_open", r[1])
        add(r[0], "tickets_overdue", r[2])
        add(r[0], "hazards_major", r[3])
        add(r[0], "hazards_supervised", r[4])

    i, items = schema.inspections, schema.inspection_items
    for r in conn.execute(
        sa.select(i.c.building_id, sa.func.count())
        .select_from(items.join(i, items.c.inspection_id == i.c.id))
        .where(
            items.c.ok.is_(False),
            i.c.at_ms >= start_ms,
            i.c.at_ms < end_ms,
            *_one(i.c.building_id, only),
        )
        .group_by(i.c.building_id)
    ):
        add(r[0], "failed_items", r[1])

    p = schema.public_reports
    for r in conn.execute(
        sa.select(p.c.building_id, sa.func.count())
        .where(
            p.c.created_ms >= start_ms,
            p.c.created_ms < end_ms,
            p.c.folded_into.is_(None),
            *_one(p.c.building_id, only),
        )
        .group_by(p.c.building_id)
    ):
        add(r[0], "public_reports", r[1])

    return [
        RiskInputs(
            building_id=building_id,
            venue_type=place.venue_type,
            online_types=frozenset(online_types.get(building_id, ())),
            **{k: int(v) for k, v in counts.get(building_id, {}).items()},
        )
        for building_id, place in wanted.items()
    ]


def stored_levels(conn: Connection) -> dict[str, Stored]:
    r = schema.risk_levels
    return {
        row.building_id: Stored(level=row.level, score=row.score, changed_ms=row.changed_ms)
        for row in conn.execute(sa.select(r.c.building_id, r.c.level, r.c.score, r.c.changed_ms))
    }


def factors_json(risk: Risk) -> str:
    return json.dumps(
        {
            f.name: {"value": f.value, "sub_score": f.sub_score, "weight": f.weight,
                     "points": f.points}
            for f in risk.factors
        },
        ensure_ascii=False,
    )  # fmt: skip


def save_levels(
    conn: Connection,
    risks: Iterable[Risk],
    *,
    previous: Mapping[str, Stored],
    now_ms: int,
    notifications: Iterable[Notification] = (),
) -> None:
    """Upsert each building's level (``changed_ms`` moves when the level does), with the early
    warnings in the notifications outbox, in the caller's transaction."""
    r = schema.risk_levels
    new: list[dict[str, Any]] = []
    old: list[dict[str, Any]] = []
    for risk in risks:
        before = previous.get(risk.building_id)
        changed = now_ms if before is None or before.level != risk.level else before.changed_ms
        row = {
            "level": risk.level,
            "score": risk.score,
            "factors": factors_json(risk),
            "computed_ms": now_ms,
            "changed_ms": changed,
        }
        if before is None:
            new.append({"building_id": risk.building_id, **row})
        else:
            old.append({"b_id": risk.building_id, **row})
    if new:
        conn.execute(sa.insert(r), new)
    if old:
        conn.execute(
            sa.update(r)
            .where(r.c.building_id == sa.bindparam("b_id"))
            .values(
                level=sa.bindparam("level"),
                score=sa.bindparam("score"),
                factors=sa.bindparam("factors"),
                computed_ms=sa.bindparam("computed_ms"),
                changed_ms=sa.bindparam("changed_ms"),
            ),
            old,
        )
    rows = [notification_row(n) for n in notifications]
    if rows:
        conn.execute(
            sa.insert(schema.notifications),
            [{f: getattr(row, f) for f in row.__struct_fields__} for row in rows],
        )
