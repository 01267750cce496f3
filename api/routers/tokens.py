"""Bearer tokens (admin): create one (shown once), list them, revoke one."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, status
from sqlalchemy.engine import Connection

from api.auth import Admin, Context, new_token, token_digest
from api.routers.common import not_found
from api.schemas import NewToken, Page, TokenIn, TokenOut
from gateway.store import schema
from siteguard.ids import IdFactory
from siteguard.timefmt import rfc3339

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])
_json = msgspec.json.Encoder()
_list = msgspec.json.Decoder(list[str])


def token_row(*, token_id: str, name: str, role: str, buildings: list[str] | None, token: str,
              by: str, now: int) -> dict[str, Any]:  # fmt: skip
    return {
        "id": token_id,
        "name": name,
        "role": role,
        "buildings": None if buildings is None else _json.encode(sorted(set(buildings))).decode(),
        "token_hash": token_digest(token),
        "created_ms": now,
        "created_by": by,
    }


def check_scope(role: str, buildings: list[str] | None) -> list[str] | None:
    """Managers name their buildings (an empty list sees nothing); other roles see all."""
    if role == "manager":
        return buildings or []
    if buildings:
        raise HTTPException(
            422, f"buildings: only manager tokens have a building scope, not {role}"
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


def _out(row: Any) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        role=row.role,
        buildings=None if row.buildings is None else _list.decode(row.buildings),
        created_at=rfc3339(row.created_ms) or "",
        revoked_at=rfc3339(row.revoked_ms),
    )


@router.post("", response_model=NewToken, status_code=status.HTTP_201_CREATED)
async def create_token(body: TokenIn, ctx: Context, who: Admin) -> NewToken:
    buildings = check_scope(body.role, body.buildings)
    token = new_token()
    now = ctx.clock.now_ms()
    row = token_row(token_id=IdFactory().new(now), name=body.name, role=body.role,
                    buildings=buildings, token=token, by=who.name, now=now)  # fmt: skip
    await ctx.write(lambda conn: conn.execute(sa.insert(schema.tokens), row))
    return NewToken(token=token, **_out(_Row(**row)).model_dump())


@router.get("", response_model=Page[TokenOut])
def list_tokens(ctx: Context, who: Admin) -> Page[TokenOut]:
    t = schema.tokens
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.select(t).order_by(t.c.created_ms)).all()
    return Page[TokenOut](items=[_out(row) for row in rows], total=len(rows))


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: str, ctx: Context, who: Admin) -> None:
    now = ctx.clock.now_ms()

    def revoke(conn: Connection) -> int:
        t = schema.tokens
        result = conn.execute(
            sa.update(t).where(t.c.id == token_id, t.c.revoked_ms.is_(None)).values(revoked_ms=now)
        )
        return int(result.rowcount)

    if await ctx.write(revoke) == 0:
        raise not_found(f"token {token_id!r}")
