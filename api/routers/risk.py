"""The building risk index (安全风险分级管控, docs/risk.md): buildings ranked by risk, and one
building's index with its trend month over month. Every signed-in role, in its own scope;
another's building answers 404."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from alerting.risk import Risk, assess, months, ranked
from api.auth import Context, CurrentPrincipal
from api.context import ApiContext
from api.responses import SIGNED_IN, errors
from api.routers.common import PagingParams, not_found
from core.config.risk import RiskConfig
from core.timefmt import rfc3339
from gateway.store.risk import Place, places, risk_inputs

router = APIRouter(prefix="/api/v1/risk", tags=["risk"], responses=errors(*SIGNED_IN, 404))

DAY_MS = 86_400_000
LevelName = Literal["red", "orange", "yellow", "blue"]


class FactorOut(BaseModel):
    value: float = Field(description="what was counted (a count, or a rate from 0 to 1)")
    sub_score: float = Field(description="min(1, value / saturation), 0..1")
    weight: float = Field(description="the factor's weight (risk.weights)")
    points: float = Field(description="what it adds to the score: 100 x weight x sub / sum")
    detail: str | None = Field(default=None, description="e.g. the device types missing")


class RiskOut(BaseModel):
    building_id: str
    name: str | None = None
    community: str | None = None
    venue_type: str | None = None
    score: float = Field(description="0-100, higher is riskier")
    level: LevelName = Field(
        description="red 重大, orange 较大, yellow 一般, blue 低 (安全风险分级管控)"
    )
    lifted_by: str | None = Field(
        default=None,
        description="the factor that lifted the level to orange above its score's "
        "(fires, hazards_major, hazards_supervised)",
    )
    factors: dict[str, FactorOut] = Field(description="every factor, by name")
    previous_level: LevelName | None = Field(
        default=None, description="the level over the previous calendar month"
    )
    previous_score: float | None = Field(default=None, description="its score")
    change: float | None = Field(default=None, description="score - previous_score")


class RiskPage(BaseModel):
    items: list[RiskOut] = Field(description="riskiest first: by level, then score")
    total: int
    window_days: int = Field(description="the window the counts cover, ending at as_of")
    as_of: str = Field(description="RFC 3339")


class TrendPoint(BaseModel):
    month: str = Field(description="YYYY-MM, in the street's time zone")
    score: float
    level: LevelName


class RiskDetail(RiskOut):
    trend: list[TrendPoint] = Field(
        description="the index of each of the last risk.trend_months calendar months, oldest "
        "first; the last is the month under way"
    )


def _assess(
    ctx: ApiContext, config: RiskConfig, where: list[Place], start_ms: int, end_ms: int
) -> dict[str, Risk]:
    with ctx.engine.connect() as conn:
        inputs = risk_inputs(
            conn,
            where,
            start_ms=start_ms,
            end_ms=end_ms,
            low_battery_pct=config.low_battery_pct,
            min_confidence=config.ebike_min_confidence,
        )
    return {i.building_id: assess(i, config) for i in inputs}


def _out(
    place: Place, risk: Risk, previous: Risk | None, cls: type[RiskOut] = RiskOut, **extra: object
) -> RiskOut:
    return cls(
        building_id=risk.building_id,
        name=place.name,
        community=place.community,
        venue_type=place.venue_type,
        score=risk.score,
        level=risk.level,
        lifted_by=risk.lifted_by,
        factors={
            f.name: FactorOut(
                value=f.value,
                sub_score=f.sub_score,
                weight=f.weight,
                points=f.points,
                detail=f.detail,
            )
            for f in risk.factors
        },
        previous_level=previous.level if previous else None,
        previous_score=previous.score if previous else None,
        change=round(risk.score - previous.score, 1) if previous else None,
        **extra,
    )


def _current_and_previous(
    ctx: ApiContext, config: RiskConfig, where: list[Place]
) -> tuple[int, dict[str, Risk], dict[str, Risk]]:
    now = ctx.clock.now_ms()
    current = _assess(ctx, config, where, now - config.window_days * DAY_MS, now)
    last = months(now, ZoneInfo(ctx.timezone), 2)[0]
    previous = _assess(ctx, config, where, last.start_ms, last.end_ms)
    return now, current, previous


@router.get("", response_model=RiskPage)
def list_risk(
    ctx: Context,
    who: CurrentPrincipal,
    paging: PagingParams,
    community: Annotated[str | None, Query(max_length=200)] = None,
) -> RiskPage:
    """Buildings in the caller's scope (of ``community`` if given), riskiest first, each with
    every factor and last calendar month's level and score."""
    config = ctx.risk
    with ctx.engine.connect() as conn:
        where = places(conn, buildings=who.buildings, community=community)
    now, current, previous = _current_and_previous(ctx, config, where)
    by_id = {p.building_id: p for p in where}
    order = ranked(current.values())
    page = order[paging.offset : paging.offset + paging.limit]
    return RiskPage(
        items=[_out(by_id[r.building_id], r, previous.get(r.building_id)) for r in page],
        total=len(order),
        window_days=config.window_days,
        as_of=rfc3339(now) or "",
    )


@router.get("/{building_id}", response_model=RiskDetail)
def get_risk(building_id: str, ctx: Context, who: CurrentPrincipal) -> RiskOut:
    """One building's index, factors and trend month over month."""
    if not who.sees(building_id):
        raise not_found(f"building {building_id!r}")
    config = ctx.risk
    with ctx.engine.connect() as conn:
        where = places(conn, buildings=frozenset([building_id]), community=None)
    if not where:
        raise not_found(f"building {building_id!r}")
    now, current, previous = _current_and_previous(ctx, config, where)
    trend = []
    for month in months(now, ZoneInfo(ctx.timezone), config.trend_months):
        risk = _assess(ctx, config, where, month.start_ms, month.end_ms)[building_id]
        trend.append(TrendPoint(month=month.label, score=risk.score, level=risk.level))
    return _out(where[0], current[building_id], previous.get(building_id), RiskDetail, trend=trend)
