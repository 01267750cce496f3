"""The audit log (admin): who acknowledged, cleared, moved, created, revoked or changed
what, with the target before and after."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import sqlalchemy as sa
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth import Admin, Context
from api.responses import SIGNED_IN, errors
from api.routers.common import PagingParams, fetch_page, time_range
from api.schemas import Page
from core.timefmt import rfc3339
from gateway.store import schema

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=errors(*SIGNED_IN, 403))
_decode = msgspec.json.decode


class AuditEntry(BaseModel):
    id: str
    at: str = Field(description="RFC 3339, UTC")
    actor: str = Field(description="the token's name, 'admin (config)' or 'cli:<user>'")
    role: str
    token_id: str | None
    address: str | None = Field(description="the client's address, for API requests")
    action: str = Field(description="e.g. alarm.acknowledge, ticket.move, token.revoke")
    target_kind: str
    target_id: str
    before: dict[str, Any] | None = Field(description="None: it did not exist")
    after: dict[str, Any] | None = Field(description="None: it no longer exists")


@router.get("", response_model=Page[AuditEntry])
def list_audit(
    ctx: Context,
    who: Admin,
    paging: PagingParams,
    target_kind: Annotated[str | None, Query(max_length=16)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    actor: Annotated[str | None, Query(max_length=128)] = None,
    since: Annotated[str | None, Query(max_length=64, description="RFC 3339")] = None,
    until: Annotated[str | None, Query(max_length=64, description="RFC 3339")] = None,
) -> Page[AuditEntry]:
    """Newest first."""
    a = schema.audit_log
    conditions: list[Any] = []
    for column, value in (
        (a.c.target_kind, target_kind),
        (a.c.target_id, target_id),
        (a.c.action, action),
        (a.c.actor, actor),
    ):
        if value is not None:
            conditions.append(column == value)
    conditions += time_range(a.c.at_ms, since=since, until=until)
    with ctx.engine.connect() as conn:
        query = sa.select(a).order_by(a.c.at_ms.desc(), a.c.id.desc())
        total, rows = fetch_page(conn, query, table=a, where=sa.and_(sa.true(), *conditions),
                                 paging=paging)  # fmt: skip
    items = [
        AuditEntry(
            id=row.id,
            at=rfc3339(row.at_ms) or "",
            actor=row.actor,
            role=row.role,
            token_id=row.token_id,
            address=row.address,
            action=row.action,
            target_kind=row.target_kind,
            target_id=row.target_id,
            before=None if row.before is None else _decode(row.before),
            after=None if row.after is None else _decode(row.after),
        )
        for row in rows
    ]
    return Page[AuditEntry](items=items, total=total)
