"""Bearer tokens, roles and the scope a token grants.

Tokens are random (``sg_`` + 32 bytes), stored only as SHA-256 digests, compared by digest,
and never logged. Roles: ``admin`` (everything), ``duty`` (the duty officer: every building,
alarms, tickets), ``manager`` (a property manager: only the buildings in the token's scope;
another building's resource answers 404, as if it did not exist), ``inspector`` (网格员 and
inspection staff: the buildings of the token's communities, as the register has them at
each request, so a venue registered later is in scope at once).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated

import msgspec
import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from alerting.tickets import Role
from api.context import ApiContext
from gateway.audit import Actor
from gateway.store import schema
from gateway.tokens import token_digest

ROLES: tuple[Role, ...] = ("admin", "duty", "manager", "inspector")

_bearer = HTTPBearer(auto_error=False)
_names = msgspec.json.Decoder(list[str])


@dataclass(frozen=True, kw_only=True)
class Principal:
    name: str
    role: Role
    buildings: frozenset[str] | None = None  # None: every building
    communities: frozenset[str] | None = None  # an inspector's; its buildings follow them
    token_id: str | None = None  # None: the configured admin token
    digest: str = ""  # of the token it signed in with: to check it again (a long stream)
    address: str | None = None  # the client's, for the audit log

    @property
    def actor(self) -> Actor:
        return Actor(name=self.name, role=self.role, token_id=self.token_id, address=self.address)

    def sees(self, building_id: str) -> bool:
        return self.buildings is None or building_id in self.buildings


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.context
    return ctx


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    ctx = context(request)
    address = request.client.host if request.client else "?"
    now = ctx.clock.now_ms()
    wait = ctx.auth_failures.blocked_for_s(address, now)
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed sign-ins from this address; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    digest = token_digest(credentials.credentials)
    if ctx.admin_token and hmac.compare_digest(digest, token_digest(ctx.admin_token)):
        return Principal(name="admin (config)", role="admin", digest=digest, address=address)
    found = lookup(ctx, digest, now_ms=now)
    if found is None:
        ctx.auth_failures.failed(address, now)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid token (unknown, revoked or expired)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if found.token_id is not None:
        ctx.token_usage.used(found.token_id, now)
    return replace(found, address=address)


def lookup(ctx: ApiContext, digest: str, *, now_ms: int) -> Principal | None:
    """The token's holder, if it is known, not revoked and not expired."""
    if ctx.admin_token and hmac.compare_digest(digest, token_digest(ctx.admin_token)):
        return Principal(name="admin (config)", role="admin", digest=digest)
    t = schema.tokens
    with ctx.engine.connect() as conn:
        row = conn.execute(
            sa.select(
                t.c.id, t.c.name, t.c.role, t.c.buildings, t.c.communities, t.c.expires_ms
            ).where(t.c.token_hash == digest, t.c.revoked_ms.is_(None))
        ).one_or_none()
        if row is None or (row.expires_ms is not None and row.expires_ms <= now_ms):
            return None
        if row.role not in ROLES:
            # Fail closed: a row the API could not have written (a role from a newer release,
            # a hand edit) signs nobody in, rather than with whatever a missing scope allows.
            return None
        communities = None
        buildings = None if row.buildings is None else frozenset(_names.decode(row.buildings))
        if row.role == "manager" and buildings is None:
            buildings = frozenset()  # a manager without a list sees no building, not all
        if row.role == "inspector":
            communities = frozenset(_names.decode(row.communities or "[]"))
            buildings = _buildings_of(conn, communities)
    return Principal(
        name=row.name,
        role=row.role,
        buildings=buildings,
        communities=communities,
        token_id=row.id,
        digest=digest,
    )


def _buildings_of(conn: sa.Connection, communities: frozenset[str]) -> frozenset[str]:
    if not communities:
        return frozenset()  # an inspector without communities sees nothing, not everything
    b = schema.buildings
    rows = conn.execute(sa.select(b.c.building_id).where(b.c.community.in_(sorted(communities))))
    return frozenset(row.building_id for row in rows)


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
# Who records inspections: the inspectors, and the street's own staff.
Inspecting = Annotated[Principal, Depends(require("admin", "duty", "inspector"))]
Context = Annotated[ApiContext, Depends(context)]
