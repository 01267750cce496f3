"""Public hazard reports (举报, plan item 19; docs/public-reports.md).

For anyone, without a token: the page per building (``/r/{building_id}``), sending a report
(with an optional photo and phone number), and following it by its tracking code, which
shows the progress and nothing personal. Every public input is bounded before it costs
anything: the body's size (413), reports per address and per building and photos per address
(429), a honeypot field that bots fill (answered as if taken, and dropped).

For the street's staff: the reports (a reporter's phone number only to admin and duty tokens),
marking a confirmed one for the reward (奖励), and the QR code to post in a building's lobby.
"""

from __future__ import annotations

import html
import io
from typing import Annotated, Any, Literal

import segno
import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from alerting.public_reports import (
    ReportInvalid,
    check_contact,
    mask,
    normal_code,
    progress,
)
from api.auth import Context, CurrentPrincipal, Operator
from api.context import ApiContext, PublicOperations
from api.responses import IMAGE_BODY, errors
from api.routers.common import PagingParams, fetch_page, not_found, scoped
from api.routers.web import WEB
from api.schemas import Page
from core.timefmt import rfc3339
from gateway.audit import audit_row, record
from gateway.photos import PhotoRefused
from gateway.public_reports import BuildingUnknown
from gateway.store import schema
from gateway.store.inspections import building_row
from gateway.store.registry_rows import ID_PATTERN

# What every route here can answer (at the router: FastAPI's own 422 would replace a route's).
router = APIRouter(tags=["public reports"], responses=errors(400, 413, 422, 429, 503))
_HOUR_S = 3600

Category = Literal[
    "fire_exit_blocked", "ebike_charging", "ebike_in_elevator", "gas_smell", "equipment_broken",
    "other",
]  # fmt: skip


class PublicReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    building_id: Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
    category: Category
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    contact: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="a phone number for feedback; kept public.contact_keep_days"
    )
    photo: Annotated[str, Field(min_length=26, max_length=26)] | None = Field(
        default=None, description="a photo id from POST /api/v1/public/photos"
    )
    website: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="leave empty (a field people do not see)"
    )


class Tracking(BaseModel):
    tracking_code: str
    folded: bool = Field(description="the same hazard was reported already: one ticket for both")


class ProgressStep(BaseModel):
    at: str
    status: str


class ReportStatus(BaseModel):
    """What a reporter may see: no names, no notes, no phone number."""

    tracking_code: str
    building: str
    category: str
    reported_at: str
    status: str = Field(description="the ticket's: open, assigned, rectifying, review, closed")
    steps: list[ProgressStep]


class StaffReport(BaseModel):
    id: str
    tracking_code: str
    building_id: str
    category: str
    text: str
    photo_id: str | None
    contact: str | None = Field(description="admin and duty tokens only; null for others")
    contact_masked: str | None = Field(description="admin and duty tokens only")
    ticket_id: str | None = Field(description="the ticket it opened, or the one it folded into")
    folded: bool
    created_at: str
    rewarded_at: str | None = Field(description="confirmed and marked for the reward (奖励)")


class PhotoId(BaseModel):
    id: str


def _public(ctx: ApiContext) -> PublicOperations:
    if ctx.public is None or not ctx.public.config.enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "public reports are not enabled")
    return ctx.public


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _too_many(what: str, per_hour: int) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"too many {what}: at most {per_hour} per hour; try again later",
        headers={"Retry-After": "600"},
    )


# ---- the page --------------------------------------------------------------------------


@router.get("/r/{building_id}", response_class=HTMLResponse, include_in_schema=False)
async def report_page(building_id: str, ctx: Context) -> HTMLResponse:
    """The page a lobby's QR code opens: Simplified Chinese, phone-first, nothing loaded from
    elsewhere."""
    _public(ctx)
    row = await run_in_threadpool(_building, ctx, building_id)
    if row is None:
        return HTMLResponse("<!doctype html><meta charset=utf-8><p>找不到该楼栋。", 404)
    page = (WEB / "public.html").read_text(encoding="utf-8")
    page = page.replace("{{building_id}}", html.escape(row.building_id))
    page = page.replace("{{building_name}}", html.escape(row.name or row.building_id))
    page = page.replace("{{keep}}", str(ctx.public.config.contact_keep_days if ctx.public else 0))
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


def _building(ctx: ApiContext, building_id: str) -> Any:
    with ctx.engine.connect() as conn:
        return building_row(conn, building_id)


# ---- public API ------------------------------------------------------------------------


@router.post(
    "/api/v1/public/reports",
    response_model=Tracking,
    status_code=status.HTTP_201_CREATED,
    responses=errors(404),
)
async def submit_report(body: PublicReportIn, request: Request, ctx: Context) -> Tracking:
    """A hazard report from anyone. 429 past ``public.rate_limit_per_hour`` from one address
    or ``public.building_limit_per_hour`` for one building."""
    public = _public(ctx)
    config = public.config
    guards = ctx.public_guards
    now = ctx.clock.now_ms()
    digest = guards.digest(_address(request))
    if not guards.reports.take(digest, now, per_hour=config.rate_limit_per_hour):
        raise _too_many("reports from this address", config.rate_limit_per_hour)
    if body.website:
        # A bot filled the field people do not see: answered as if taken, nothing kept.
        return Tracking(tracking_code=normal_code(ctx.ids.new(now)[-10:]), folded=False)
    if not guards.buildings.take(body.building_id, now, per_hour=config.building_limit_per_hour):
        raise _too_many("reports for this building", config.building_limit_per_hour)
    text = body.text.strip()
    if not text or len(text) > config.max_text:
        raise HTTPException(422, f"text: 1 to {config.max_text} characters")
    try:
        received = await public.submit(
            building_id=body.building_id,
            category=body.category,
            text=text,
            contact=check_contact(body.contact),
            photo_id=body.photo,
            address_digest=digest,
        )
    except BuildingUnknown as exc:
        raise HTTPException(404, str(exc)) from exc
    except ReportInvalid as exc:
        raise HTTPException(422, str(exc)) from exc
    return Tracking(tracking_code=received.tracking_code, folded=received.folded)


@router.get(
    "/api/v1/public/reports/{tracking_code}",
    response_model=ReportStatus,
    responses=errors(404),
)
async def report_status(tracking_code: str, ctx: Context) -> ReportStatus:
    """A report's progress by its tracking code (as typed: case, spaces and dashes do not
    matter)."""
    _public(ctx)
    found = await run_in_threadpool(_status, ctx, normal_code(tracking_code[:32]))
    if found is None:
        raise not_found("report")
    return found


def _status(ctx: ApiContext, code: str) -> ReportStatus | None:
    r, t, h, b = schema.public_reports, schema.tickets, schema.ticket_history, schema.buildings
    with ctx.engine.connect() as conn:
        report = conn.execute(sa.select(r).where(r.c.tracking_code == code)).one_or_none()
        if report is None:
            return None
        ticket_id = report.ticket_id
        if ticket_id is None and report.folded_into is not None:
            ticket_id = conn.execute(
                sa.select(r.c.ticket_id).where(r.c.id == report.folded_into)
            ).scalar_one_or_none()
        ticket = conn.execute(sa.select(t.c.status).where(t.c.id == ticket_id)).one_or_none()
        lines = conn.execute(
            sa.select(h.c.at_ms, h.c.from_status, h.c.to_status)
            .where(h.c.ticket_id == ticket_id)
            .order_by(h.c.id)
        ).all()
        name = conn.execute(
            sa.select(b.c.name).where(b.c.building_id == report.building_id)
        ).scalar_one_or_none()
    steps = progress([(line.at_ms, line.from_status, line.to_status) for line in lines])
    return ReportStatus(
        tracking_code=report.tracking_code,
        building=name or report.building_id,
        category=report.category,
        reported_at=rfc3339(report.created_ms) or "",
        status=ticket.status if ticket is not None else "open",
        steps=[ProgressStep(at=rfc3339(s.at_ms) or "", status=s.status) for s in steps],
    )


@router.post(
    "/api/v1/public/photos",
    response_model=PhotoId,
    status_code=status.HTTP_201_CREATED,
    responses=errors(404, 415),
    openapi_extra=IMAGE_BODY,
)
async def upload_public_photo(
    request: Request,
    ctx: Context,
    building: Annotated[str, Query(min_length=1, max_length=64)],
) -> PhotoId:
    """A photo for a report (JPEG, PNG or WebP, the body itself); cite its id as ``photo``."""
    public = _public(ctx)
    if ctx.photos is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "photos are not set up")
    guards = ctx.public_guards
    now = ctx.clock.now_ms()
    digest = guards.digest(_address(request))
    per_hour = public.config.photos_per_hour
    if not guards.photos.take(digest, now, per_hour=per_hour):
        raise _too_many("photos from this address", per_hour)
    if await run_in_threadpool(_building, ctx, building) is None:
        raise not_found(f"building {building!r}")
    data = await request.body()
    try:
        stored = await run_in_threadpool(
            ctx.photos.save,
            data,
            photo_id=ctx.ids.new(now),
            building_id=building,
            by="public",
            now_ms=now,
        )
    except PhotoRefused as exc:
        raise HTTPException(413 if len(data) > ctx.photos.max_bytes else 415, str(exc)) from exc
    await ctx.write(lambda conn: conn.execute(sa.insert(schema.photos), stored.row))
    return PhotoId(id=stored.row["id"])


# ---- staff -----------------------------------------------------------------------------


@router.get("/api/v1/public-reports", response_model=Page[StaffReport], responses=errors(401, 403))
def list_public_reports(
    ctx: Context,
    who: CurrentPrincipal,
    paging: PagingParams,
    building: Annotated[str | None, Query(max_length=64)] = None,
    rewarded: bool | None = None,
) -> Page[StaffReport]:
    """Newest first, in the caller's scope; the reporter's phone number only for admin and
    duty tokens (to call back), and never once ``public.contact_keep_days`` have passed."""
    r = schema.public_reports
    conditions: list[Any] = [scoped(r.c.building_id, who)]
    if building is not None:
        conditions.append(r.c.building_id == building)
    if rewarded is not None:
        conditions.append(r.c.rewarded_ms.is_not(None) if rewarded else r.c.rewarded_ms.is_(None))
    with ctx.engine.connect() as conn:
        query = sa.select(r).order_by(r.c.id.desc())
        total, rows = fetch_page(conn, query, table=r, where=sa.and_(*conditions), paging=paging)
    staff = who.role in ("admin", "duty")
    return Page[StaffReport](
        items=[
            StaffReport(
                id=row.id,
                tracking_code=row.tracking_code,
                building_id=row.building_id,
                category=row.category,
                text=row.text,
                photo_id=row.photo_id,
                contact=row.contact if staff else None,
                contact_masked=mask(row.contact) if staff else None,
                ticket_id=row.ticket_id or None,
                folded=row.folded_into is not None,
                created_at=rfc3339(row.created_ms) or "",
                rewarded_at=rfc3339(row.rewarded_ms),
            )
            for row in rows
        ],
        total=total,
    )


@router.post(
    "/api/v1/public-reports/{report_id}/reward",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403, 404, 409),
)
async def mark_reward(report_id: str, ctx: Context, who: Operator) -> None:
    """A report confirmed real: its ticket was closed (销号) and the hazard was there. Marked
    for the reward (奖励) once; audited."""
    now = ctx.clock.now_ms()
    entry_id = ctx.ids.new(now)

    def mark(conn: sa.Connection) -> str:
        r, t = schema.public_reports, schema.tickets
        row = conn.execute(sa.select(r).where(r.c.id == report_id)).one_or_none()
        if row is None:
            return "missing"
        if row.rewarded_ms is not None:
            return "already"
        ticket_id = row.ticket_id
        if ticket_id is None:
            return "folded"
        closed = conn.execute(sa.select(t.c.status).where(t.c.id == ticket_id)).scalar_one()
        if closed != "closed":
            return "open"
        conn.execute(sa.update(r).where(r.c.id == report_id).values(rewarded_ms=now))
        record(
            conn,
            audit_row(
                entry_id=entry_id,
                at_ms=now,
                actor=who.actor,
                action="public_report.reward",
                target_kind="public_report",
                target_id=report_id,
                before={"rewarded_ms": None},
                after={"rewarded_ms": now},
            ),
        )
        return "ok"

    outcome = await ctx.write(mark)
    if outcome == "missing":
        raise not_found(f"public report {report_id!r}")
    if outcome != "ok":
        reason = {
            "already": "it is marked already",
            "folded": "it folded into an earlier report: reward that one",
            "open": "its ticket is not closed yet: confirm once it is (销号)",
        }[outcome]
        raise HTTPException(status.HTTP_409_CONFLICT, f"cannot mark this report: {reason}")


@router.get(
    "/api/v1/buildings/{building_id}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **errors(401, 404)},
)
async def building_qr(
    building_id: str, request: Request, ctx: Context, who: CurrentPrincipal
) -> Response:
    """The QR code of the building's report page, to print and post in its lobby."""
    public = _public(ctx)
    if not who.sees(building_id) or await run_in_threadpool(_building, ctx, building_id) is None:
        raise not_found(f"building {building_id!r}")
    base = public.config.base_url.rstrip("/") or str(request.base_url).rstrip("/")
    qr = segno.make(f"{base}/r/{building_id}", error="m")
    out = io.BytesIO()
    # A standalone SVG (with its namespace): shown as an image, downloaded, printed.
    qr.save(out, kind="svg", scale=8, border=2, light="#fff", title=f"举报二维码 {building_id}")
    return Response(
        out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-cache"}
    )
