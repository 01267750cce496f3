"""Bearer tokens, roles and the scope a token grants.

Tokens are random (``sg_`` + 32 bytes), stored only as SHA-256 digests, compared by digest,
and never logged. Roles: ``admin`` (everything), ``duty`` (the duty officer: every building,
alarms, tickets), ``manager`` (a property manager: only the buildings in the token's scope;
another building's resource answers 404, as if it did not exist).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec
import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.context import ApiContext
from gateway.store import schema

Role = Literal["admin", "duty", "manager"]
ROLES: tuple[Role, ...] = ("admin", "duty", "manager")

_bearer = HTTPBearer(auto_error=False)
_buildings = msgspec.json.Decoder(list[str])


@dataclass(frozen=True, kw_only=True)
class Principal:
    name: str
    role: Role
    buildings: frozenset[str] | None = None  # None: every building

    def sees(self, building_id: str) -> bool:
        return self.buildings is None or building_id in self.buildings


def new_token() -> str:
    return "sg_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.context
    return ctx


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    ctx = context(request)
    digest = token_digest(credentials.credentials)
    if ctx.admin_token and hmac.compare_digest(digest, token_digest(ctx.admin_token)):
        return Principal(name="admin (config)", role="admin")
    found = lookup(ctx, digest)
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "invalid token", headers={"WWW-Authenticate": "Bearer"}
        )
    return found


def lookup(ctx: ApiContext, digest: str) -> Principal | None:
    t = schema.tokens
    with ctx.engine.connect() as conn:
        row = conn.execute(
            sa.select(t.c.name, t.c.role, t.c.buildings).where(
                t.c.token_hash == digest, t.c.revoked_ms.is_(None)
            )
        ).one_or_none()
    if row is None:
        return None
    buildings = None if row.buildings is None else frozenset(_buildings.decode(row.buildings))
    return Principal(name=row.name, role=row.role, buildings=buildings)


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only these roles through (403, saying so, for the others)."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in roles:
            allowed = " or ".join(roles)
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this needs a {allowed} token; yours is {who.role}"
            )
        return who

    return check


CurrentPrincipal = Annotated[Principal, Depends(principal)]
Operator = Annotated[Principal, Depends(require("admin", "duty"))]
Admin = Annotated[Principal, Depends(require("admin"))]
Context = Annotated[ApiContext, Depends(context)]
