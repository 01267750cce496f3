"""Buildings: those in the token's scope, one building, and the registry's create-or-update."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Response, status
from starlette.concurrency import run_in_threadpool

from api.auth import Admin, Context, CurrentPrincipal
from api.context import ApiContext
from api.responses import SIGNED_IN, errors
from api.routers.common import PagingParams, fetch_page, not_found, scoped
from api.schemas import Page
from gateway.shapes import BuildingObject
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


def _load(ctx: ApiContext, building_id: str) -> BuildingObject | None:
    b = schema.buildings
    with ctx.engine.connect() as conn:
        row = conn.execute(_query().where(b.c.building_id == building_id)).one_or_none()
    return None if row is None else BuildingObject.of(row)


@router.get("", response_model=Page[BuildingObject])
def list_buildings(
    ctx: Context, who: CurrentPrincipal, paging: PagingParams
) -> Page[BuildingObject]:
    b = schema.buildings
    where = scoped(b.c.building_id, who)
    with ctx.engine.connect() as conn:
        query = _query().order_by(b.c.building_id)
        total, rows = fetch_page(conn, query, table=b, where=where, paging=paging)
    return Page[BuildingObject](items=[BuildingObject.of(row) for row in rows], total=total)


@router.get("/{building_id}", response_model=BuildingObject)
def get_building(building_id: str, ctx: Context, who: CurrentPrincipal) -> BuildingObject:
    found = _load(ctx, building_id)
    if found is None or not who.sees(building_id):
        raise not_found(f"building {building_id!r}")
    return found


@router.put(
    "/{building_id}",
    response_model=BuildingObject,
    responses={201: {"model": BuildingObject, "description": "created"}},
)
async def put_building(
    building_id: str, body: BuildingFields, ctx: Context, who: Admin, response: Response
) -> BuildingObject:
    """Create or update a building (the registry); ingest uses it at once."""
    try:
        check_id(building_id, "building_id")
        created = await ctx.registry.put_building(building_id, body, by=who.actor)
    except RegistryError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    # Read back off the event loop: the pipeline shares it.
    found = await run_in_threadpool(_load, ctx, building_id)
    if found is None:  # it was just written; nothing deletes buildings
        raise not_found(f"building {building_id!r}")
    return found
