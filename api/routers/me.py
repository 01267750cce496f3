"""``GET /api/v1/me``: who the token is (the web pages decide what to show by it)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.auth import CurrentPrincipal
from api.responses import SIGNED_IN, errors

router = APIRouter(tags=["me"], responses=errors(*SIGNED_IN))


class Me(BaseModel):
    name: str
    role: str
    buildings: list[str] | None
    communities: list[str] | None = None  # an inspector's


@router.get("/api/v1/me", response_model=Me)
def me(who: CurrentPrincipal) -> Me:
    return Me(
        name=who.name,
        role=who.role,
        buildings=None if who.buildings is None else sorted(who.buildings),
        communities=None if who.communities is None else sorted(who.communities),
    )
