"""Early-warning statistics: ``GET /api/v1/reports/monthly`` (and quarterly, yearly) as
JSON, CSV or HTML, computed on request for the buildings the token may see; and the reports
the schedule delivered, as they were delivered."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel

from api.auth import Context, CurrentPrincipal
from api.responses import SIGNED_IN, errors
from api.routers.common import not_found
from core.timefmt import rfc3339
from gateway.store.reports import list_reports, load_report
from reports import Period, PeriodError, build_report
from reports.render import MEDIA_TYPES, render

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=errors(*SIGNED_IN, 404))

Format = Annotated[Literal["json", "csv", "html"], Query(description="json, csv or html")]
Building = Annotated[
    str | None,
    Query(min_length=1, max_length=64, description="one building (within the token's scope)"),
]
_REPORT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the report, as format asks",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}


def _report(
    ctx: Context, who: CurrentPrincipal, period_text: str, building: str | None, fmt: str
) -> Response:
    try:
        period = Period.parse(period_text, timezone=ctx.timezone)
    except PeriodError as exc:
        raise HTTPException(422, str(exc)) from exc
    scope = None if who.buildings is None else sorted(who.buildings)
    if building is not None:
        if not who.sees(building):
            raise not_found(f"building {building!r}")
        scope = [building]
    with ctx.engine.connect() as conn:
        report = build_report(
            conn, period, settings=ctx.report_settings, now_ms=ctx.clock.now_ms(), buildings=scope
        )
    body = render(report, fmt)  # type: ignore[arg-type]
    headers = {}
    if fmt == "csv":
        name = f"siteguard-{period.label}{'-' + building if building else ''}.csv"
        headers["Content-Disposition"] = attachment(name)
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


def attachment(name: str) -> str:
    """A Content-Disposition for any file name (RFC 6266): an ASCII fallback, and the name
    itself percent-encoded as RFC 5987 says, so a building id in Chinese cannot break the
    header (headers are Latin-1)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get("/monthly", response_class=Response, responses=_REPORT)
def monthly(
    ctx: Context,
    who: CurrentPrincipal,
    month: Annotated[str, Query(description="YYYY-MM, local time")],
    building: Building = None,
    format: Format = "json",
) -> Response:
    """A month's figures per building, per community and in total, with early warnings."""
    return _report(ctx, who, month, building, format)


@router.get("/quarterly", response_class=Response, responses=_REPORT)
def quarterly(
    ctx: Context,
    who: CurrentPrincipal,
    quarter: Annotated[str, Query(description="YYYY-Qn")],
    building: Building = None,
    format: Format = "json",
) -> Response:
    """The same figures over a quarter (warnings against the previous quarters)."""
    return _report(ctx, who, quarter, building, format)


@router.get("/yearly", response_class=Response, responses=_REPORT)
def yearly(
    ctx: Context,
    who: CurrentPrincipal,
    year: Annotated[str, Query(description="YYYY")],
    building: Building = None,
    format: Format = "json",
) -> Response:
    """The same figures over a year."""
    return _report(ctx, who, year, building, format)


class Delivered(BaseModel):
    id: str
    kind: str
    period: str
    created_at: str


@router.get("/delivered", response_model=list[Delivered])
def delivered(ctx: Context, who: CurrentPrincipal) -> list[Delivered]:
    """Reports the schedule made (street-wide: not for property managers)."""
    if who.buildings is not None:
        return []
    with ctx.engine.connect() as conn:
        rows = list_reports(conn)
    return [
        Delivered(
            id=r.id,
            kind=r.kind,
            period=r.period,
            created_at=rfc3339(r.created_ms) or "",
        )
        for r in rows
    ]


@router.get("/delivered/{report_id}", response_class=Response, responses=_REPORT)
def delivered_one(
    report_id: str,
    ctx: Context,
    who: CurrentPrincipal,
    format: Annotated[Literal["json", "html"], Query()] = "html",
) -> Response:
    """A delivered report, exactly as it was delivered."""
    if who.buildings is not None:
        raise not_found(f"report {report_id!r}")
    with ctx.engine.connect() as conn:
        row = load_report(conn, report_id)
    if row is None:
        raise not_found(f"report {report_id!r}")
    return Response(row.html if format == "html" else row.json, media_type=MEDIA_TYPES[format])
