"""``GET /api/v1/stream``: Server-Sent Events of alarm and ticket changes, in the token's scope.

Each change is ``event: alarm`` or ``event: ticket``, an ``id:`` (time-ordered: the change's
history id) and ``data:`` with the changed alarm or ticket as one line of JSON. A client that
reconnects with ``Last-Event-ID`` first gets every change it missed (from the store), then
the live ones, with nothing doubled. A comment line every ``heartbeat_s`` keeps proxies from
closing a quiet stream. A client too slow to keep up is disconnected; it reconnects with its
last id and loses nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Header, HTTPException, Request, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from alerting.tickets import allowed_moves
from api.auth import Context, CurrentPrincipal, Principal, lookup
from api.context import ApiContext
from api.responses import SIGNED_IN, errors
from gateway.hub import HubEvent
from gateway.store import schema
from gateway.store.alarms import alarm_from_row, alarm_object
from gateway.store.tickets import histories, ticket_from_row, ticket_object

router = APIRouter(tags=["stream"], responses=errors(*SIGNED_IN))

BACKLOG_LIMIT = 10_000
# The last thing a stream whose token no longer holds says; the browser's reconnect then
# gets a 401 and stops.
_ENDED = 'event: ended\ndata: {"detail":"token revoked or expired"}\n\n'
_QUIET = HubEvent(topic="", id="", building_id="", data={})  # a heartbeat passed


def _still_valid(ctx: ApiContext, who: Principal) -> bool:
    return lookup(ctx, who.digest, now_ms=ctx.clock.now_ms()) is not None


def sse(event: HubEvent, who: Principal) -> str:
    data: dict[str, Any] = event.data
    if event.topic == "ticket":
        data = {**data, "allowed_moves": list(allowed_moves(data["status"], who.role))}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.topic}\ndata: {text}\n\n"


def missed(ctx: ApiContext, who: Principal, after: str) -> list[HubEvent]:
    """Changes after ``after`` that the token may see, oldest first (at most BACKLOG_LIMIT)."""
    h, a = schema.alarm_history, schema.alarms
    th, t = schema.ticket_history, schema.tickets
    events: list[HubEvent] = []
    with ctx.engine.connect() as conn:
        query = sa.select(h.c.id, h.c.status, h.c.severity, h.c.count, h.c.at_ms, a).join(
            a, a.c.id == h.c.alarm_id
        )
        if who.buildings is not None:
            query = query.where(a.c.building_id.in_(sorted(who.buildings)))
        for row in conn.execute(query.where(h.c.id > after).order_by(h.c.id).limit(BACKLOG_LIMIT)):
            alarm = alarm_object(alarm_from_row(row))
            # As it was at that change, as far as the history records it.
            alarm.update(status=row.status, severity=row.severity, count=row.count)
            events.append(
                HubEvent(topic="alarm", id=row.id, building_id=row.building_id, data=alarm)
            )
        query = sa.select(th.c.id.label("entry_id"), t).join(t, t.c.id == th.c.ticket_id)
        if who.buildings is not None:
            query = query.where(t.c.building_id.in_(sorted(who.buildings)))
        rows = conn.execute(
            query.where(th.c.id > after).order_by(th.c.id).limit(BACKLOG_LIMIT)
        ).all()
        found = histories(conn, list({row.id for row in rows}))
        for row in rows:
            ticket = ticket_from_row(row)
            upto = [e for e in found[ticket.id] if e.id <= row.entry_id]
            events.append(
                HubEvent(
                    topic="ticket",
                    id=row.entry_id,
                    building_id=ticket.building_id,
                    data=ticket_object(ticket, upto),
                )
            )
    events.sort(key=lambda e: e.id)
    return events[:BACKLOG_LIMIT]


@router.get(
    "/api/v1/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-Sent Events: alarm and ticket changes",
            # Each event, as the OpenAPI 3.2 / Schemathesis reading of SSE has it.
            "content": {
                "text/event-stream": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "event": {"type": "string", "enum": ["alarm", "ticket", "ended"]},
                            "id": {"type": "string"},
                            "data": {"type": "string", "description": "the alarm or ticket, JSON"},
                        },
                    }
                }
            },
        }
    },
)
async def stream(
    request: Request,
    ctx: Context,
    who: CurrentPrincipal,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
) -> StreamingResponse:
    if ctx.hub.listeners >= ctx.max_streams:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"{ctx.max_streams} event streams are open; try again shortly",
            headers={"Retry-After": "10"},
        )
    loop = asyncio.get_running_loop()

    async def events() -> AsyncIterator[str]:
        async with ctx.hub.subscribe() as queue:
            yield f"retry: 2000\n: siteguard stream for {who.role}\n\n"
            sent = last_event_id or ""
            if last_event_id:
                for old in await run_in_threadpool(missed, ctx, who, last_event_id):
                    yield sse(old, who)
                    sent = old.id
            checked = loop.time()
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), ctx.stream_heartbeat_s)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": keepalive\n\n"
                    event = _QUIET
                if loop.time() - checked >= ctx.stream_heartbeat_s:
                    # A token revoked (or expired) while its stream is open stops receiving.
                    checked = loop.time()
                    if not await run_in_threadpool(_still_valid, ctx, who):
                        yield _ENDED
                        return
                if event is None:
                    return  # fell behind: the client reconnects with its last id
                if event is _QUIET or event.id <= sent or not who.sees(event.building_id):
                    continue
                yield sse(event, who)
                sent = event.id

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
