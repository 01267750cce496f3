"""Buildings: those in the token's scope, one building, and the registry's create-or-update."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Response, status

from api.auth import Admin, Context, CurrentPrincipal
from api.responses import SIGNED_IN, errors
from api.routers.common import PagingParams, fetch_page, not_found, scoped
from api.schemas import Building, Page
from gateway.store import schema
from gateway.store.registry_rows import BuildingFields, RegistryError, check_id

router = APIRouter(
    prefix="/api/v1/buildings", tags=["buildings"], responses=errors(*SIGNED_IN, 403, 404)
)


def _query() -> sa.Select[Any]:
    b, d, a = schema.buildings, schema.devices, schema.alarms
    device_count = (
        sa.select(sa.func.count())
        .where(d.c.building_id == b.c.building_id)
        .scalar_subquery()
        .label("device_count")
    )
    active_alarms = (
        sa.select(sa.func.count())
        .where(a.c.building_id == b.c.building_id, a.c.status == "active")
        .scalar_subquery()
        .label("active_alarms")
    )
    return sa.select(b, device_count, active_alarms)


def _building(row: Any) -> Building:
    return Building(
        building_id=row.building_id,
        name=row.name,
        community=row.community,
        address=row.address,
        property_company=row.property_company,
        manager_contact=row.manager_contact,
        device_count=row.device_count,
        active_alarms=row.active_alarms,
    )


@router.get("", response_model=Page[Building])
def list_buildings(ctx: Context, who: CurrentPrincipal, paging: PagingParams) -> Page[Building]:
    b = schema.buildings
    where = scoped(b.c.building_id, who)
    with ctx.engine.connect() as conn:
        query = _query().order_by(b.c.building_id)
        total, rows = fetch_page(conn, query, table=b, where=where, paging=paging)
    return Page[Building](items=[_building(row) for row in rows], total=total)


@router.get("/{building_id}", response_model=Building)
def get_building(building_id: str, ctx: Context, who: CurrentPrincipal) -> Building:
    b = schema.buildings
    with ctx.engine.connect() as conn:
        row = conn.execute(_query().where(b.c.building_id == building_id)).one_or_none()
    if row is None or not who.sees(building_id):
        raise not_found(f"building {building_id!r}")
    return _building(row)


@router.put(
    "/{building_id}",
    response_model=Building,
    responses={201: {"model": Building, "description": "created"}},
)
async def put_building(
    building_id: str, body: BuildingFields, ctx: Context, who: Admin, response: Response
) -> Building:
    """Create or update a building (the registry); ingest uses it at once."""
    try:
        check_id(building_id, "building_id")
        created = await ctx.registry.put_building(building_id, body, by=who.actor)
    except RegistryError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    b = schema.buildings
    with ctx.engine.connect() as conn:
        row = conn.execute(_query().where(b.c.building_id == building_id)).one()
    return _building(row)
