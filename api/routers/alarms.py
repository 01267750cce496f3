"""Alarms: the list, one alarm, and the operator's acknowledge and clear."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from alerting.model import KINDS, Alarm, AlarmError
from api.auth import Context, CurrentPrincipal, Operator, Principal
from api.responses import SIGNED_IN, errors
from api.routers.common import PagingParams, fetch_page, not_found, scoped, time_range
from api.schemas import AckRequest, ClearRequest, Page
from gateway.shapes import AlarmObject
from gateway.store import schema
from gateway.store.alarms import alarm_from_row

router = APIRouter(
    prefix="/api/v1/alarms", tags=["alarms"], responses=errors(*SIGNED_IN, 403, 404, 409)
)

_SEVERITY_ORDER = sa.case({"critical": 0, "warning": 1, "info": 2}, value=schema.alarms.c.severity)


@router.get("", response_model=Page[AlarmObject])
def list_alarms(
    ctx: Context,
    who: CurrentPrincipal,
    paging: PagingParams,
    status: Literal["active", "cleared", "all"] = "active",
    building: str | None = None,
    kind: Annotated[Literal[KINDS] | None, Query()] = None,  # type: ignore[valid-type]
    since: Annotated[str | None, Query(description="opened at or after (RFC 3339)")] = None,
    until: Annotated[str | None, Query(description="opened before (RFC 3339)")] = None,
) -> Page[AlarmObject]:
    """Most severe first, then newest first. ``since``/``until``: the console's history."""
    a = schema.alarms
    conditions: list[Any] = [scoped(a.c.building_id, who)]
    conditions += time_range(a.c.opened_ms, since=since, until=until)
    if status != "all":
        conditions.append(a.c.status == status)
    if building is not None:
        conditions.append(a.c.building_id == building)
    if kind is not None:
        conditions.append(a.c.kind == kind)
    where = sa.and_(*conditions)
    with ctx.engine.connect() as conn:
        query = sa.select(a).order_by(_SEVERITY_ORDER, a.c.opened_ms.desc(), a.c.id.desc())
        total, rows = fetch_page(conn, query, table=a, where=where, paging=paging)
    return Page[AlarmObject](items=[AlarmObject.of(alarm_from_row(r)) for r in rows], total=total)


@router.get("/{alarm_id}", response_model=AlarmObject)
def get_alarm(alarm_id: str, ctx: Context, who: CurrentPrincipal) -> AlarmObject:
    return AlarmObject.of(_visible(ctx, who, alarm_id))


@router.post("/{alarm_id}/ack", response_model=AlarmObject)
async def acknowledge(alarm_id: str, body: AckRequest, ctx: Context, who: Operator) -> AlarmObject:
    """Acknowledge with a verdict; stops the reminders of a critical alarm."""
    await run_in_threadpool(_visible, ctx, who, alarm_id)
    try:
        alarm = await ctx.alarms.acknowledge(
            alarm_id, verdict=body.verdict, note=body.note, by=who.actor
        )
    except AlarmError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    return AlarmObject.of(alarm)


@router.post("/{alarm_id}/clear", response_model=AlarmObject)
async def clear(
    alarm_id: str, ctx: Context, who: Operator, body: ClearRequest | None = None
) -> AlarmObject:
    """Clear a latched alarm (fire, compound, critical gas); 409 for any other."""
    await run_in_threadpool(_visible, ctx, who, alarm_id)
    try:
        alarm = await ctx.alarms.clear(alarm_id, note=body.note if body else None, by=who.actor)
    except AlarmError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    return AlarmObject.of(alarm)


def _visible(ctx: Any, who: Principal, alarm_id: str) -> Alarm:
    a = schema.alarms
    with ctx.engine.connect() as conn:
        row = conn.execute(sa.select(a).where(a.c.id == alarm_id)).one_or_none()
    if row is None or not who.sees(row.building_id):
        raise not_found(f"alarm {alarm_id!r}")
    return alarm_from_row(row)
