"""``POST /api/v1/ingest/{adapter}``: vendor platforms' HTTP pushes (gateway/http_ingest.py).

``GET`` answers the URL check some platforms (OneNET) make before they push.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse

from adapters.base import PushRequest
from api.auth import Context
from api.context import PushIngest
from api.responses import errors, json_errors
from gateway.http_ingest import PushRefused, PushResult

router = APIRouter(
    prefix="/api/v1/ingest", tags=["ingest"], responses=errors(401, 403, 404, 405, 413, 503)
)


def _ingest(ingest: PushIngest | None) -> PushIngest:
    if ingest is None:
        raise HTTPException(503, "HTTP ingest is not running in this process")
    return ingest


@router.post(
    "/{adapter}",
    # Read as the platform sent it (its signature covers the bytes), so not parsed here.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {}}, "*/*": {"schema": {}}},
        }
    },
)
async def push(adapter: str, request: Request, ctx: Context) -> PushResult:
    """A platform's push, authenticated by the adapter's secret or the platform's signature;
    answered once durably accepted. The body says what it held: events, devices now pending
    registration, or rejection reasons (the push is kept as a dead letter)."""
    ingest = _ingest(ctx.ingest)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > ingest.max_bytes:
        raise HTTPException(413, f"a push may be at most {ingest.max_bytes} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > ingest.max_bytes:
            raise HTTPException(413, f"a push may be at most {ingest.max_bytes} bytes")
    pushed = PushRequest(
        body=bytes(body),
        headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query_params),
    )
    try:
        return await ingest.push(adapter, pushed)
    except PushRefused as exc:
        raise HTTPException(exc.status, exc.detail) from exc


@router.get("/{adapter}", response_class=PlainTextResponse, responses=json_errors(401, 404, 405))
def url_check(adapter: str, request: Request, ctx: Context) -> str:
    """The platform's URL verification (OneNET: ``?msg=&nonce=&signature=``, answered with
    ``msg``)."""
    try:
        return _ingest(ctx.ingest).handshake(adapter, dict(request.query_params))
    except PushRefused as exc:
        raise HTTPException(exc.status, exc.detail) from exc
