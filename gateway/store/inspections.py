"""Inspections read back: the venues a quarter's plan covers, what was done in it, the
recorded inspections with their items, and photos."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.inspections import Done, Venue
from gateway.store import schema


def in_scope(
    column: sa.ColumnElement[str], buildings: frozenset[str] | None
) -> sa.ColumnElement[bool]:
    return sa.true() if buildings is None else column.in_(sorted(buildings))


def venues(
    conn: Connection,
    *,
    venue_types: Collection[str],
    community: str | None,
    buildings: frozenset[str] | None,
) -> list[Venue]:
    """Registered buildings of the plan's venue types, in the caller's scope."""
    b = schema.buildings
    query = sa.select(b.c.building_id, b.c.name, b.c.community, b.c.venue_type).where(
        b.c.venue_type.in_(sorted(venue_types)), in_scope(b.c.building_id, buildings)
    )
    if community is not None:
        query = query.where(b.c.community == community)
    return [
        Venue(
            building_id=row.building_id,
            name=row.name,
            community=row.community,
            venue_type=row.venue_type,
        )
        for row in conn.execute(query.order_by(b.c.building_id))
    ]


def done_in(conn: Connection, quarter: str, building_ids: Sequence[str]) -> dict[str, Done]:
    """Each building's latest inspection of ``quarter`` (ids are time-ordered)."""
    i = schema.inspections
    done: dict[str, Done] = {}
    for start in range(0, len(building_ids), 500):
        chunk = list(building_ids[start : start + 500])
        rows = conn.execute(
            sa.select(i.c.id, i.c.building_id, i.c.failed)
            .where(i.c.quarter == quarter, i.c.building_id.in_(chunk))
            .order_by(i.c.id)
        )
        for row in rows:
            done[row.building_id] = Done(inspection_id=row.id, failed=row.failed)
    return done


def building_row(conn: Connection, building_id: str) -> sa.Row[Any] | None:
    b = schema.buildings
    return conn.execute(sa.select(b).where(b.c.building_id == building_id)).one_or_none()


def items_of(conn: Connection, inspection_ids: Sequence[str]) -> dict[str, list[sa.Row[Any]]]:
    it = schema.inspection_items
    out: dict[str, list[sa.Row[Any]]] = {iid: [] for iid in inspection_ids}
    if inspection_ids:
        rows = conn.execute(
            sa.select(it)
            .where(it.c.inspection_id.in_(list(inspection_ids)))
            .order_by(it.c.inspection_id, it.c.position)
        )
        for row in rows:
            out[row.inspection_id].append(row)
    return out


def photos_of(conn: Connection, photo_ids: Collection[str]) -> dict[str, sa.Row[Any]]:
    p = schema.photos
    if not photo_ids:
        return {}
    rows = conn.execute(sa.select(p).where(p.c.id.in_(sorted(photo_ids))))
    return {row.id: row for row in rows}
