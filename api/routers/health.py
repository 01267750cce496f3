"""Liveness, readiness and metrics: no token needed."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from api.auth import Context
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(ctx: Context) -> JSONResponse:
    """200 once the gateway is subscribed to the broker and its database is open."""
    problems = ctx.readiness()
    body = Health(status="ok" if not problems else "unavailable", problems=problems, role=ctx.role)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=503 if problems else 200)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"description": "Prometheus text format", "content": {"text/plain": {}}}},
)
def metrics(ctx: Context) -> Response:
    return Response(ctx.render_metrics(), media_type=CONTENT_TYPE_LATEST)
