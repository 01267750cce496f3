"""``GET /api/v1/stream``: Server-Sent Events of alarm and ticket changes, in the token's scope.

Each change is ``event: alarm`` or ``event: ticket``, an ``id:`` (time-ordered: the change's
history id) and ``data:`` with the changed alarm or ticket as one line of JSON (the shapes of
``gateway/shapes/``; a ticket with the moves the caller may make). A client that reconnects
with ``Last-Event-ID`` first gets every change it missed (from the store:
``gateway/store/history.py``), then the live ones, with nothing doubled. A comment line
every ``heartbeat_s`` keeps proxies from closing a quiet stream. A client too slow to keep
up is disconnected; it reconnects with its last id and loses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.auth import Context, CurrentPrincipal, Principal, lookup
from api.context import ApiContext
from api.responses import SIGNED_IN, errors
from gateway.hub import HubEvent
from gateway.store.history import changes_after

router = APIRouter(tags=["stream"], responses=errors(*SIGNED_IN))

# The last thing a stream whose token no longer holds says; the browser's reconnect then
# gets a 401 and stops.
_ENDED = 'event: ended\ndata: {"detail":"token revoked or expired"}\n\n'


def _still_valid(ctx: ApiContext, who: Principal) -> bool:
    return lookup(ctx, who.digest, now_ms=ctx.clock.now_ms()) is not None


def sse(event: HubEvent, who: Principal) -> str:
    return f"id: {event.id}\nevent: {event.topic}\ndata: {event.data_for(who.role)}\n\n"


def _missed(ctx: ApiContext, who: Principal, after: str) -> list[HubEvent]:
    with ctx.engine.connect() as conn:
        return changes_after(conn, after, buildings=who.buildings)


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
                for old in await run_in_threadpool(_missed, ctx, who, last_event_id):
                    yield sse(old, who)
                    sent = old.id
            checked = loop.time()
            while True:
                quiet = False
                try:
                    event = await asyncio.wait_for(queue.get(), ctx.stream_heartbeat_s)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": keepalive\n\n"
                    event, quiet = None, True  # a heartbeat passed
                if loop.time() - checked >= ctx.stream_heartbeat_s:
                    # A token revoked (or expired) while its stream is open stops receiving.
                    checked = loop.time()
                    if not await run_in_threadpool(_still_valid, ctx, who):
                        yield _ENDED
                        return
                if quiet:
                    continue
                if event is None:
                    return  # fell behind: the client reconnects with its last id
                if event.id <= sent or not who.sees(event.building_id):
                    continue
                yield sse(event, who)
                sent = event.id

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
