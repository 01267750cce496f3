"""Buildings in the token's scope."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter

from api.auth import Context, CurrentPrincipal
from api.routers.common import PagingParams, scoped
from api.schemas import Building, Page
from gateway.store import schema

router = APIRouter(prefix="/api/v1/buildings", tags=["buildings"])


@router.get("", response_model=Page[Building])
def list_buildings(ctx: Context, who: CurrentPrincipal, paging: PagingParams) -> Page[Building]:
    b, d, a = schema.buildings, schema.devices, schema.alarms
    where = scoped(b.c.building_id, who)
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
    query = (
        sa.select(b, device_count, active_alarms)
        .where(where)
        .order_by(b.c.building_id)
        .limit(paging.limit)
        .offset(paging.offset)
    )
    with ctx.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(b).where(where)).scalar_one()
        rows = conn.execute(query).all()
    items = [
        Building(
            building_id=row.building_id,
            name=row.name,
            community=row.community,
            address=row.address,
            property_company=row.property_company,
            manager_contact=row.manager_contact,
            device_count=row.device_count,
            active_alarms=row.active_alarms,
        )
        for row in rows
    ]
    return Page[Building](items=items, total=total)
