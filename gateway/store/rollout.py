"""Rollout coverage read back (docs/rollout.md): the buildings of the programmes' venue types
in a scope, and per building and device type how many devices are registered and online, in
one grouped query each (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.rollout import Fitted, Site
from gateway.store import schema


def in_scope(buildings: Collection[str] | None) -> sa.ColumnElement[bool]:
    """The scope condition for a list of building ids (None: every building)."""
    if buildings is None:
        return sa.true()
    return schema.buildings.c.building_id.in_(sorted(buildings))


def _where(
    *,
    venue_types: Collection[str],
    community: str | None,
    scope: sa.ColumnElement[bool],
) -> sa.ColumnElement[bool]:
    b = schema.buildings.c
    conditions = [b.venue_type.in_(sorted(venue_types)), scope]
    if community is not None:
        conditions.append(b.community == community)
    return sa.and_(*conditions)


def sites(
    conn: Connection,
    *,
    venue_types: Collection[str],
    community: str | None,
    scope: sa.ColumnElement[bool],
) -> list[Site]:
    """Registered buildings of ``venue_types`` that ``scope``, a condition on
    ``schema.buildings`` (the API's ``scoped``, or ``in_scope``), keeps."""
    b = schema.buildings
    query = (
        sa.select(b.c.building_id, b.c.name, b.c.community, b.c.venue_type)
        .where(_where(venue_types=venue_types, community=community, scope=scope))
        .order_by(b.c.building_id)
    )
    return [
        Site(
            building_id=row.building_id,
            name=row.name,
            community=row.community,
            venue_type=row.venue_type,
        )
        for row in conn.execute(query)
    ]


def fitted(
    conn: Connection,
    *,
    device_types: Collection[str],
    venue_types: Collection[str],
    community: str | None,
    scope: sa.ColumnElement[bool],
    registered_before_ms: int | None = None,
) -> dict[tuple[str, str], Fitted]:
    """(building id, device type) -> its devices, how many are online (the status as stored:
    a device going offline or back online is written at once) and when one was last heard;
    for the buildings ``sites`` returns. ``registered_before_ms``: only devices registered
    before then (a report's period end)."""
    b, d = schema.buildings, schema.devices
    online = sa.func.sum(sa.case((d.c.online.is_(True), 1), else_=0))
    query = (
        sa.select(
            d.c.building_id,
            d.c.device_type,
            sa.func.count().label("devices"),
            online.label("online"),
            sa.func.max(d.c.last_seen_ms).label("last_seen_ms"),
        )
        .select_from(d.join(b, b.c.building_id == d.c.building_id))
        .where(
            d.c.device_type.in_(sorted(device_types)),
            _where(venue_types=venue_types, community=community, scope=scope),
        )
        .group_by(d.c.building_id, d.c.device_type)
    )
    if registered_before_ms is not None:
        query = query.where(d.c.created_ms < registered_before_ms)
    return {
        (row.building_id, row.device_type): Fitted(
            devices=int(row.devices),
            online=int(row.online or 0),
            last_seen_ms=None if row.last_seen_ms is None else int(row.last_seen_ms),
        )
        for row in conn.execute(query)
    }
