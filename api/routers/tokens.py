"""Bearer tokens (admin): create one (shown once), list them, revoke one."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, status
from sqlalchemy.engine import Connection

from api.auth import Admin, Context
from api.responses import SIGNED_IN, errors
from api.routers.common import not_found
from api.schemas import NewToken, Page, TokenIn, TokenOut
from core.timefmt import rfc3339
from gateway.audit import audit_row, record
from gateway.store import schema
from gateway.tokens import audited, issue_token, store_token

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"], responses=errors(*SIGNED_IN, 403, 404))
_list = msgspec.json.Decoder(list[str])
_DAY_MS = 86_400_000


def check_scope(role: str, buildings: list[str] | None) -> list[str] | None:
    """Managers name their buildings (an empty list sees nothing); other roles see all, or
    (inspectors) the buildings of their communities."""
    if role == "manager":
        return buildings or []
    if buildings:
        raise HTTPException(
            422, f"buildings: only manager tokens have a building scope, not {role}"
        )
    return None


def check_communities(role: str, communities: list[str] | None) -> list[str] | None:
    """Inspectors name their communities (an empty list sees nothing)."""
    if role == "inspector":
        return communities or []
    if communities:
        raise HTTPException(
            422, f"communities: only inspector tokens have a community scope, not {role}"
        )
    return None


class _Row(msgspec.Struct):
    id: str
    name: str
    role: str
    buildings: str | None
    token_hash: str
    created_ms: int
    created_by: str
    revoked_ms: int | None = None
    expires_ms: int | None = None
    last_used_ms: int | None = None
    communities: str | None = None


def _out(row: Any) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        role=row.role,
        buildings=None if row.buildings is None else _list.decode(row.buildings),
        communities=None if row.communities is None else _list.decode(row.communities),
        created_at=rfc3339(row.created_ms) or "",
        revoked_at=rfc3339(row.revoked_ms),
        expires_at=rfc3339(row.expires_ms),
        last_used_at=rfc3339(row.last_used_ms),
    )


@router.post("", response_model=NewToken, status_code=status.HTTP_201_CREATED)
async def create_token(body: TokenIn, ctx: Context, who: Admin) -> NewToken:
    buildings = check_scope(body.role, body.buildings)
    communities = check_communities(body.role, body.communities)
    now = ctx.clock.now_ms()
    expires_ms = None if body.expires_in_days is None else now + body.expires_in_days * _DAY_MS
    issued = issue_token(
        ids=ctx.ids,
        now_ms=now,
        actor=who.actor,
        name=body.name,
        role=body.role,
        buildings=buildings,
        communities=communities,
        expires_ms=expires_ms,
    )
    await ctx.write(lambda conn: store_token(conn, issued))
    return NewToken(token=issued.token, **_out(_Row(**issued.row)).model_dump())


@router.get("", response_model=Page[TokenOut])
def list_tokens(ctx: Context, who: Admin) -> Page[TokenOut]:
    t = schema.tokens
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.select(t).order_by(t.c.created_ms)).all()
    return Page[TokenOut](items=[_out(row) for row in rows], total=len(rows))


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: str, ctx: Context, who: Admin) -> None:
    now = ctx.clock.now_ms()
    entry_id = ctx.ids.new(now)

    def revoke(conn: Connection) -> int:
        t = schema.tokens
        before = conn.execute(
            sa.select(t).where(t.c.id == token_id, t.c.revoked_ms.is_(None))
        ).one_or_none()
        if before is None:
            return 0
        conn.execute(sa.update(t).where(t.c.id == token_id).values(revoked_ms=now))
        was = audited(dict(before._mapping))
        entry = audit_row(
            entry_id=entry_id,
            at_ms=now,
            actor=who.actor,
            action="token.revoke",
            target_kind="token",
            target_id=token_id,
            before=was,
            after={**was, "revoked_ms": now},
        )
        record(conn, entry)
        return 1

    if await ctx.write(revoke) == 0:
        raise not_found(f"token {token_id!r}")
