"""Bearer-token authentication and the scope a token grants.

Tokens are compared by their SHA-256 digest, in constant time, and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.context import ApiContext

Role = Literal["admin", "duty", "manager"]

_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True, kw_only=True)
class Principal:
    name: str
    role: Role
    buildings: frozenset[str] | None = None  # None: every building

    def sees(self, building_id: str) -> bool:
        return self.buildings is None or building_id in self.buildings


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
    presented = token_digest(credentials.credentials)
    if ctx.admin_token and hmac.compare_digest(presented, token_digest(ctx.admin_token)):
        return Principal(name="admin (config)", role="admin")
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED, "invalid token", headers={"WWW-Authenticate": "Bearer"}
    )


CurrentPrincipal = Annotated[Principal, Depends(principal)]
Context = Annotated[ApiContext, Depends(context)]
