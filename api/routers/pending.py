"""Devices that vendor platforms report but the registry does not know (admin).

Their messages are held, not dropped; registering a device with the identifier
(``PUT /api/v1/devices/{id}`` with ``imei``, ``dev_eui`` or ``platform_id``) replays them as
its history. ``DELETE`` discards what is held for an identifier (a device of another street).
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from api.auth import Admin, Context
from api.responses import SIGNED_IN, errors
from api.routers.common import PagingParams, not_found
from api.schemas import Page
from core.timefmt import rfc3339
from gateway.audit import audit_row, record
from gateway.store import schema

router = APIRouter(
    prefix="/api/v1/pending_devices",
    tags=["pending devices"],
    responses=errors(*SIGNED_IN, 403, 404),
)


class PendingDevice(BaseModel):
    identifier: str = Field(
        description="IMEI, DevEUI or platform device id, as the platform sent it"
    )
    adapter: str
    device_type: str | None = Field(description="what its messages look like: smoke, gas, ebike")
    messages: int = Field(description="messages held")
    first_seen: str
    last_seen: str
    last_summary: str | None = Field(description="what the latest message said, e.g. alarm")


@router.get("", response_model=Page[PendingDevice])
def list_pending(ctx: Context, who: Admin, paging: PagingParams) -> Page[PendingDevice]:
    """Most recently heard first."""
    p = schema.pending_messages
    grouped = (
        sa.select(
            p.c.identifier,
            p.c.adapter,
            sa.func.count().label("messages"),
            sa.func.min(p.c.received_ms).label("first_ms"),
            sa.func.max(p.c.received_ms).label("last_ms"),
            sa.func.max(p.c.id).label("last_id"),
        )
        .group_by(p.c.identifier, p.c.adapter)
        .subquery()
    )
    with ctx.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(grouped)).scalar_one()
        rows = conn.execute(
            sa.select(grouped, p.c.device_type, p.c.summary)
            .join(p, p.c.id == grouped.c.last_id)
            .order_by(grouped.c.last_ms.desc(), grouped.c.identifier)
            .limit(paging.limit)
            .offset(paging.offset)
        ).all()
    items = [
        PendingDevice(
            identifier=row.identifier,
            adapter=row.adapter,
            device_type=row.device_type,
            messages=row.messages,
            first_seen=rfc3339(row.first_ms) or "",
            last_seen=rfc3339(row.last_ms) or "",
            last_summary=row.summary,
        )
        for row in rows
    ]
    return Page[PendingDevice](items=items, total=total)


@router.delete("/{identifier}", status_code=status.HTTP_204_NO_CONTENT)
async def discard(identifier: str, ctx: Context, who: Admin) -> Response:
    p = schema.pending_messages

    now = ctx.clock.now_ms()
    entry_id = ctx.ids.new(now)

    def delete(conn: sa.Connection) -> int:
        count = conn.execute(sa.delete(p).where(p.c.identifier == identifier)).rowcount
        if count:
            entry = audit_row(
                entry_id=entry_id,
                at_ms=now,
                actor=who.actor,
                action="pending.discard",
                target_kind="pending",
                target_id=identifier[:64],
                before={"messages": count},
            )
            record(conn, entry)
        return int(count)

    if not await ctx.write(delete):
        raise not_found(f"pending device {identifier!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
