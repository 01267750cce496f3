"""Hazard tickets: the list, one ticket, opening one by hand, moving it along, and keeping
the hazard register (隐患台账): classifying, supervising (挂牌督办), referring (移送)."""

from __future__ import annotations

import csv
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from alerting.tickets import VENUE_TYPES, TicketError, TicketInvalid, check_class
from api.auth import Admin, Context, CurrentPrincipal, Operator, Principal
from api.context import ApiContext
from api.responses import SIGNED_IN, errors
from api.routers.common import PagingParams, fetch_page, not_found, scoped
from api.schemas import ClassifyIn, Page, ReferIn, SuperviseIn, TicketIn, TransitionIn
from core.timefmt import parse_rfc3339
from gateway.backlog import csv_rows
from gateway.shapes import TicketObject, TicketView
from gateway.store import schema
from gateway.store.tickets import histories, load_ticket, ticket_from_row

router = APIRouter(
    prefix="/api/v1/tickets", tags=["tickets"], responses=errors(*SIGNED_IN, 403, 404, 409)
)

Status = Literal["open", "assigned", "rectifying", "review", "closed"]
Category = Literal["fire", "gas", "ebike", "device", "inspection"]
HazardClass = Literal["major", "general"]
Source = Literal["alarm", "inspection", "backlog", "manual", "public"]
# Who keeps the hazard register: the street's own staff.
_REGISTRARS = ("admin", "duty")


@router.get("", response_model=Page[TicketView])
def list_tickets(
    ctx: Context,
    who: CurrentPrincipal,
    paging: PagingParams,
    status: Annotated[Status | None, Query()] = None,
    building: str | None = None,
    category: Annotated[Category | None, Query()] = None,
    overdue: bool | None = None,
    hazard_class: Annotated[HazardClass | None, Query()] = None,
    source: Annotated[Source | None, Query()] = None,
    supervised: bool | None = None,
) -> Page[TicketView]:
    """Newest first; ``hazard_class``, ``source`` and ``supervised`` (挂牌督办) select from the
    hazard register."""
    t = schema.tickets
    conditions: list[Any] = [scoped(t.c.building_id, who)]
    if status is not None:
        conditions.append(t.c.status == status)
    if building is not None:
        conditions.append(t.c.building_id == building)
    if category is not None:
        conditions.append(t.c.category == category)
    if overdue is not None:
        late = sa.and_(t.c.status != "closed", t.c.due_ms < ctx.clock.now_ms())
        conditions.append(late if overdue else sa.not_(late))
    if hazard_class is not None:
        conditions.append(t.c.hazard_class == hazard_class)
    if source is not None:
        conditions.append(t.c.source == source)
    if supervised is not None:
        is_supervised = t.c.supervised_ms.is_not(None)
        conditions.append(is_supervised if supervised else sa.not_(is_supervised))
    where = sa.and_(*conditions)
    with ctx.engine.connect() as conn:
        query = sa.select(t).order_by(t.c.created_ms.desc(), t.c.id.desc())
        total, rows = fetch_page(conn, query, table=t, where=where, paging=paging)
        tickets = [ticket_from_row(row) for row in rows]
        found = histories(conn, [ticket.id for ticket in tickets])
    items = [TicketObject.of(x, found[x.id]).seen_by(who.role) for x in tickets]
    return Page[TicketView](items=items, total=total)


@router.get("/{ticket_id}", response_model=TicketView)
def get_ticket(ticket_id: str, ctx: Context, who: CurrentPrincipal) -> TicketView:
    return _visible(ctx, who, ticket_id)


@router.post("", response_model=TicketView, status_code=status.HTTP_201_CREATED)
async def create_ticket(body: TicketIn, ctx: Context, who: Operator) -> TicketView:
    """A hazard found by inspection (or any other ticket opened by hand)."""
    if body.venue_type is not None and body.venue_type not in VENUE_TYPES:
        raise HTTPException(422, f"venue_type: one of {', '.join(VENUE_TYPES)}")
    try:
        check_class(body.hazard_class, body.hazard_criterion)
    except TicketInvalid as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    exists = await run_in_threadpool(_building_exists, ctx, body.building_id)
    if not exists:
        raise HTTPException(422, f"building_id: unknown building {body.building_id!r}")
    try:
        due_ms = parse_rfc3339(body.due_at) if body.due_at else None
    except ValueError as exc:
        raise HTTPException(422, f"due_at: {exc}") from exc
    created = await ctx.tickets.create(
        by=who.actor,
        title=body.title,
        category=body.category,
        building_id=body.building_id,
        severity=body.severity,
        responsible=body.responsible,
        due_ms=due_ms,
        venue_type=body.venue_type,
        note=body.note,
        hazard_class=body.hazard_class,
        hazard_criterion=body.hazard_criterion,
    )
    return created.seen_by(who.role)


class BacklogOut(BaseModel):
    rows: int
    created: int
    existing: int = Field(description="rows whose ref was imported before: left as they are")
    errors: list[str] = Field(description="bad rows, each with its line number; skipped")


@router.post(
    "/backlog",
    response_model=BacklogOut,
    responses=errors(413, 422),
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_backlog(request: Request, ctx: Context, who: Admin) -> BacklogOut:
    """The hazard backlog (存量隐患) as CSV (UTF-8, a header row naming ``ref``, ``building_id``,
    ``title`` and any of ``category``, ``severity``, ``hazard_class``, ``hazard_criterion``,
    ``responsible``, ``due_at``, ``found_at``, ``venue_type``, ``note``). Idempotent by
    ``ref``; bad rows are reported by line and skipped (docs/tickets.md)."""
    body = await request.body()  # bounded by api.max_body_bytes before it is read
    try:
        rows = list(csv_rows(body.decode("utf-8")))
    except UnicodeDecodeError:
        raise HTTPException(422, "the body must be CSV in UTF-8") from None
    except (ValueError, csv.Error) as exc:
        raise HTTPException(422, f"not a backlog CSV: {exc}") from None
    report = await ctx.tickets.import_backlog(rows, by=who.actor, where="upload")
    return BacklogOut(
        rows=report.rows, created=report.created, existing=report.existing, errors=report.errors
    )


@router.post("/{ticket_id}/transition", response_model=TicketView)
async def transition(
    ticket_id: str, body: TransitionIn, ctx: Context, who: CurrentPrincipal, response: Response
) -> TicketView:
    """Move a ticket along: open -> assigned -> rectifying -> review -> closed (销号), or
    review -> rectifying on rejection. An illegal move is 409 with the reason."""
    return await _as_caller(
        who,
        ctx.tickets.transition,
        ticket_id,
        to=body.to,
        note=body.note,
        responsible=body.responsible,
    )


@router.post("/{ticket_id}/classify", response_model=TicketView, responses=errors(422))
async def classify(
    ticket_id: str, body: ClassifyIn, ctx: Context, who: CurrentPrincipal
) -> TicketView:
    """隐患分级: major (重大事故隐患, citing the national criterion it was judged by, else 422)
    or general; admin and duty, while the ticket is open or in review (409 otherwise)."""
    await _registrar(ctx, who, ticket_id, "classify a ticket")
    try:
        check_class(body.hazard_class, body.criterion)
    except TicketError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    return await _as_caller(
        who,
        ctx.tickets.classify,
        ticket_id,
        hazard_class=body.hazard_class,
        criterion=body.criterion,
        note=body.note,
    )


@router.post("/{ticket_id}/supervise", response_model=TicketView, responses=errors(422))
async def supervise(
    ticket_id: str, body: SuperviseIn, ctx: Context, who: CurrentPrincipal
) -> TicketView:
    """挂牌督办: the office supervises a major hazard's rectification by ``due_at`` (in the
    future, else 422), which becomes the ticket's due time, so escalation runs on it; admin
    and duty; 409 for a general hazard or a closed ticket."""
    await _registrar(ctx, who, ticket_id, "supervise a ticket (挂牌督办)")
    try:
        due_ms = parse_rfc3339(body.due_at)
    except ValueError as exc:
        raise HTTPException(422, f"due_at: {exc}") from exc
    if due_ms <= ctx.clock.now_ms():
        raise HTTPException(422, "due_at: the supervision deadline must be in the future")
    return await _as_caller(who, ctx.tickets.supervise, ticket_id, due_ms=due_ms, note=body.note)


@router.post("/{ticket_id}/refer", response_model=TicketView, responses=errors(422))
async def refer(ticket_id: str, body: ReferIn, ctx: Context, who: CurrentPrincipal) -> TicketView:
    """移送: refer the ticket to the competent department, one of ``tickets.departments``
    (422 naming them otherwise); with ``reply``, record that department's answer on a ticket
    already referred to it. Admin and duty."""
    await _registrar(ctx, who, ticket_id, "refer a ticket (移送)")
    if body.department not in ctx.tickets.departments:
        raise HTTPException(422, f"department: one of {', '.join(ctx.tickets.departments)}")
    return await _as_caller(
        who,
        ctx.tickets.refer,
        ticket_id,
        department=body.department,
        note=body.note,
        reply=body.reply,
    )


async def _as_caller(
    who: Principal,
    command: Callable[..., Awaitable[TicketObject]],
    ticket_id: str,
    **fields: Any,
) -> TicketView:
    """Run a ticket command as the caller (their role, name and scope go with it), and
    answer with what they may do next; a refusal keeps its status and reason."""
    try:
        done = await command(
            ticket_id, role=who.role, by=who.actor, buildings=who.buildings, **fields
        )
    except TicketError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    return done.seen_by(who.role)


async def _registrar(ctx: ApiContext, who: Principal, ticket_id: str, what: str) -> None:
    """404 for a ticket the caller does not see (as everywhere), then 403 for a role that
    does not keep the register; the gateway checks both again in its turn."""
    if who.role in _REGISTRARS:
        return
    await run_in_threadpool(_visible, ctx, who, ticket_id)
    raise HTTPException(403, f"a {who.role} token cannot {what}; admin and duty tokens can")


def _visible(ctx: ApiContext, who: Principal, ticket_id: str) -> TicketView:
    """The ticket with the moves this caller may make, so the console never re-derives them."""
    with ctx.engine.connect() as conn:
        loaded = load_ticket(conn, ticket_id)
    if loaded is None or not who.sees(loaded[0].building_id):
        raise not_found(f"ticket {ticket_id!r}")
    return TicketObject.of(*loaded).seen_by(who.role)


def _building_exists(ctx: ApiContext, building_id: str) -> bool:
    b = schema.buildings
    with ctx.engine.connect() as conn:
        found = conn.execute(sa.select(b.c.building_id).where(b.c.building_id == building_id))
        return found.first() is not None
