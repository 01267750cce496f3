"""九小场所 inspections (docs/inspections.md): the quarter's plan with coverage, recording an
inspection (each failed item opens a ticket), and the recorded ones. Inspectors see the
venues of their communities; another community's venue answers 404."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from alerting.inspections import (
    Answer,
    Coverage,
    InspectionInvalid,
    PlanEntry,
    Quarter,
    coverage,
    plan,
)
from api.auth import Context, CurrentPrincipal, Inspecting, Principal
from api.context import ApiContext, InspectionOperations
from api.responses import SIGNED_IN, errors
from api.routers.common import PagingParams, fetch_page, not_found, scoped
from api.schemas import Page
from core.text import Note
from core.timefmt import rfc3339
from gateway.inspections import InspectionNotFound
from gateway.shapes import InspectionObject
from gateway.store import schema
from gateway.store.inspections import done_in, items_of, venues
from gateway.store.registry_rows import ID_PATTERN

router = APIRouter(
    prefix="/api/v1/inspections", tags=["inspections"], responses=errors(*SIGNED_IN, 403, 404)
)

QuarterText = Annotated[
    str, Field(pattern=r"^\d{4}-Q[1-4]$", max_length=7, description="e.g. 2026-Q4")
]


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: Annotated[str, Field(min_length=1, max_length=32)]
    ok: bool
    note: Note | None = Field(default=None, description="what is wrong; required when not ok")
    photo: Annotated[str, Field(min_length=26, max_length=26)] | None = Field(
        default=None, description="a photo id from POST /api/v1/photos, of this building"
    )


class InspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    building_id: Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
    items: list[AnswerIn] = Field(min_length=1, max_length=50)
    note: Note | None = None


class PlanVenue(BaseModel):
    building_id: str
    name: str | None
    community: str | None
    venue_type: str
    state: str = Field(description="done, due (the quarter is running) or overdue")
    inspection_id: str | None = Field(description="the quarter's latest inspection")
    failed: int | None
    checklist: list[str] = Field(description="the items an inspection of it answers")


class CoverageOut(BaseModel):
    community: str | None
    venues: int = Field(description="venues due in the quarter")
    done: int = Field(description="inspected in it")
    rate: float | None = Field(description="done / venues; null when none is due")


class PlanOut(BaseModel):
    quarter: str
    community: str | None
    starts_at: str
    ends_at: str
    venues: list[PlanVenue]
    coverage: list[CoverageOut]


def _operations(ctx: ApiContext) -> InspectionOperations:
    if ctx.inspections is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "inspections are not set up")
    return ctx.inspections


def _quarter(ctx: ApiContext, text: str | None) -> Quarter:
    if text is None:
        return Quarter.of(ctx.clock.now_ms(), ZoneInfo(ctx.timezone))
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise HTTPException(422, f"quarter: {exc}") from exc


def _coverage_out(rows: list[Coverage]) -> list[CoverageOut]:
    return [
        CoverageOut(community=c.community, venues=c.venues, done=c.done, rate=c.rate) for c in rows
    ]


@router.get("/plan", response_model=PlanOut)
def get_plan(
    ctx: Context,
    who: Inspecting,
    quarter: Annotated[QuarterText | None, Query()] = None,
    community: Annotated[str | None, Query(max_length=200)] = None,
) -> PlanOut:
    """The venues due in ``quarter`` (default: the current one), each done, due or overdue,
    and coverage per community; in the caller's scope."""
    ops = _operations(ctx)
    q = _quarter(ctx, quarter)
    tz = ZoneInfo(ctx.timezone)
    start, end = q.bounds_ms(tz)
    config = ops.config
    with ctx.engine.connect() as conn:
        due = venues(
            conn,
            venue_types=config.venue_types,
            community=community,
            buildings=who.buildings,
        )
        done = done_in(conn, str(q), [v.building_id for v in due])
    entries = plan(due, done, quarter_end_ms=end, now_ms=ctx.clock.now_ms())
    return PlanOut(
        quarter=str(q),
        community=community,
        starts_at=_at(start),
        ends_at=_at(end),
        venues=[_venue_out(e, list(config.items_for(e.venue.venue_type))) for e in entries],
        coverage=_coverage_out(coverage(entries)),
    )


def _venue_out(entry: PlanEntry, checklist: list[str]) -> PlanVenue:
    v = entry.venue
    return PlanVenue(
        building_id=v.building_id,
        name=v.name,
        community=v.community,
        venue_type=v.venue_type,
        state=entry.state,
        inspection_id=entry.inspection_id,
        failed=entry.failed,
        checklist=checklist,
    )


def _at(ms: int) -> str:
    return rfc3339(ms) or ""


@router.post("", response_model=InspectionObject, status_code=status.HTTP_201_CREATED)
async def record_inspection(body: InspectionIn, ctx: Context, who: Inspecting) -> InspectionObject:
    """One visit: every item of the venue's checklist answered; each failed item opens a
    ticket (category and source ``inspection``) linked to it."""
    ops = _operations(ctx)
    answers = [Answer(item=a.item, ok=a.ok, note=a.note, photo_id=a.photo) for a in body.items]
    try:
        return await ops.record(
            building_id=body.building_id,
            answers=answers,
            note=body.note,
            by=who.actor,
            buildings=who.buildings,
        )
    except InspectionNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except InspectionInvalid as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("", response_model=Page[InspectionObject])
def list_inspections(
    ctx: Context,
    who: CurrentPrincipal,
    paging: PagingParams,
    quarter: Annotated[QuarterText | None, Query()] = None,
    community: Annotated[str | None, Query(max_length=200)] = None,
    building: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[InspectionObject]:
    """Newest first, in the caller's scope (a property manager reads its buildings' too)."""
    i = schema.inspections
    conditions: list[Any] = [scoped(i.c.building_id, who)]
    if quarter is not None:
        conditions.append(i.c.quarter == quarter)
    if community is not None:
        conditions.append(i.c.community == community)
    if building is not None:
        conditions.append(i.c.building_id == building)
    with ctx.engine.connect() as conn:
        query = sa.select(i).order_by(i.c.id.desc())
        total, rows = fetch_page(conn, query, table=i, where=sa.and_(*conditions), paging=paging)
        items = items_of(conn, [row.id for row in rows])
    return Page[InspectionObject](
        items=[InspectionObject.of(row, items[row.id]) for row in rows], total=total
    )


@router.get("/{inspection_id}", response_model=InspectionObject)
async def get_inspection(
    inspection_id: str, ctx: Context, who: CurrentPrincipal
) -> InspectionObject:
    found = await run_in_threadpool(_load, ctx, who, inspection_id)
    if found is None:
        raise not_found(f"inspection {inspection_id!r}")
    return found


def _load(ctx: ApiContext, who: Principal, inspection_id: str) -> InspectionObject | None:
    i = schema.inspections
    with ctx.engine.connect() as conn:
        row = conn.execute(sa.select(i).where(i.c.id == inspection_id)).one_or_none()
        if row is None or not who.sees(row.building_id):
            return None
        return InspectionObject.of(row, items_of(conn, [row.id])[row.id])
