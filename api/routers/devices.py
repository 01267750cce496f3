"""Device status: the list with filters, and one device with its recent readings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Query, Response, status
from starlette.concurrency import run_in_threadpool

from api.auth import Admin, Context, CurrentPrincipal, Principal
from api.context import ApiContext
from api.responses import SIGNED_IN, errors
from api.routers.common import PagingParams, fetch_page, not_found, scoped
from api.schemas import Page
from gateway.shapes import DeviceDetail, DeviceObject, Unread
from gateway.store import schema
from gateway.store.registry_rows import DeviceFields, RegistryError, check_id

router = APIRouter(
    prefix="/api/v1/devices", tags=["devices"], responses=errors(*SIGNED_IN, 403, 404, 409)
)

_RECENT_READINGS = 200
_UNREAD_WINDOW_MS = 7 * 86_400_000


def _with_alarm_count() -> sa.Select[Any]:
    d, a = schema.devices, schema.alarms
    active = (
        sa.select(sa.func.count())
        .where(a.c.device_id == d.c.device_id, a.c.status == "active")
        .scalar_subquery()
        .label("active_alarms")
    )
    return sa.select(d, active)


@router.get("", response_model=Page[DeviceObject])
def list_devices(
    ctx: Context,
    who: CurrentPrincipal,
    paging: PagingParams,
    building: str | None = None,
    type: Annotated[Literal["smoke", "gas", "ebike"] | None, Query()] = None,
    online: bool | None = None,
) -> Page[DeviceObject]:
    d = schema.devices
    conditions = [scoped(d.c.building_id, who)]
    if building is not None:
        conditions.append(d.c.building_id == building)
    if type is not None:
        conditions.append(d.c.device_type == type)
    if online is not None:
        conditions.append(d.c.online.is_(online))
    where = sa.and_(*conditions)
    with ctx.engine.connect() as conn:
        query = _with_alarm_count().order_by(d.c.building_id, d.c.device_id)
        total, rows = fetch_page(conn, query, table=d, where=where, paging=paging)
    items = [DeviceObject.of(row, ctx.live_status(row.device_id)) for row in rows]
    return Page[DeviceObject](items=items, total=total)


def _unread(conn: sa.Connection, device_id: str, now_ms: int) -> Unread | None:
    dl = schema.dead_letters.c
    recent = sa.and_(
        dl.device_id == device_id,
        dl.reason.like("unmapped:%"),
        dl.received_ms >= now_ms - _UNREAD_WINDOW_MS,
    )
    latest = conn.execute(
        sa.select(dl.reason, dl.detail, dl.product, dl.received_ms)
        .where(recent)
        .order_by(dl.received_ms.desc())
        .limit(1)
    ).one_or_none()
    if latest is None:
        return None
    count = conn.execute(sa.select(sa.func.count()).where(recent)).scalar_one()
    return Unread.of(latest, count)


@router.get("/{device_id}", response_model=DeviceDetail)
def get_device(device_id: str, ctx: Context, who: CurrentPrincipal) -> DeviceDetail:
    return _detail(ctx, who, device_id)


def _detail(ctx: ApiContext, who: Principal, device_id: str) -> DeviceDetail:
    d, r = schema.devices, schema.device_readings
    with ctx.engine.connect() as conn:
        row = conn.execute(_with_alarm_count().where(d.c.device_id == device_id)).one_or_none()
        if row is None or not who.sees(row.building_id):
            raise not_found(f"device {device_id!r}")
        readings = conn.execute(
            sa.select(r.c.at_ms, r.c.data)
            .where(r.c.device_id == device_id)
            .order_by(r.c.at_ms.desc())
            .limit(_RECENT_READINGS)
        ).all()
        unread = _unread(conn, device_id, ctx.clock.now_ms())
    return DeviceDetail.of_detail(row, ctx.live_status(device_id), readings=readings, unread=unread)


@router.put(
    "/{device_id}",
    response_model=DeviceDetail,
    responses={201: {"model": DeviceDetail, "description": "created"}},
)
async def put_device(
    device_id: str, body: DeviceFields, ctx: Context, who: Admin, response: Response
) -> DeviceDetail:
    """Create or update a device (the registry); ingest uses it at once, no restart."""
    try:
        check_id(device_id, "device_id")
        created = await ctx.registry.put_device(device_id, body, by=who.actor)
    except RegistryError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    # Read back off the event loop: the pipeline shares it.
    return await run_in_threadpool(_detail, ctx, who, device_id)
