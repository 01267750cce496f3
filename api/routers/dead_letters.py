"""Rejected messages (admin): what came in, why it was refused, and its raw bytes."""

from __future__ import annotations

import base64
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Admin, Context
from api.responses import SIGNED_IN, errors
from api.routers.common import PagingParams, fetch_page
from api.schemas import Page
from core.timefmt import rfc3339
from gateway.store import schema

router = APIRouter(
    prefix="/api/v1/dead_letters", tags=["dead letters"], responses=errors(*SIGNED_IN, 403)
)


class DeadLetter(BaseModel):
    id: str
    received_at: str
    source: str
    adapter: str
    topic: str
    reason: str
    detail: str
    device_id: str | None
    building_id: str | None
    payload_b64: str = Field(description="the raw bytes, base64 (truncated to the size limit)")


@router.get("", response_model=Page[DeadLetter])
def list_dead_letters(
    ctx: Context,
    who: Admin,
    paging: PagingParams,
    reason: str | None = None,
    building: str | None = None,
    topic_prefix: str | None = None,
) -> Page[DeadLetter]:
    """Newest first."""
    d = schema.dead_letters
    conditions: list[Any] = []
    if reason is not None:
        conditions.append(d.c.reason == reason)
    if building is not None:
        conditions.append(d.c.building_id == building)
    if topic_prefix is not None:
        escaped = topic_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(d.c.topic.like(escaped + "%", escape="\\"))
    where = sa.and_(sa.true(), *conditions)
    with ctx.engine.connect() as conn:
        query = sa.select(d).order_by(d.c.id.desc())
        total, rows = fetch_page(conn, query, table=d, where=where, paging=paging)
    items = [
        DeadLetter(
            id=row.id,
            received_at=rfc3339(row.received_ms) or "",
            source=row.source,
            adapter=row.adapter,
            topic=row.topic,
            reason=row.reason,
            detail=row.detail,
            device_id=row.device_id,
            building_id=row.building_id,
            payload_b64=base64.b64encode(row.payload).decode(),
        )
        for row in rows
    ]
    return Page[DeadLetter](items=items, total=total)
