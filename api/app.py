"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors
from api.context import ApiContext
from api.limits import BodyLimit, HttpLimits, SecurityHeaders
from api.routers import (
    alarms,
    audit,
    buildings,
    dead_letters,
    devices,
    health,
    ingest,
    inspections,
    labels,
    me,
    pending,
    photos,
    public,
    reports,
    risk,
    rollout,
    stream,
    tickets,
    tokens,
    web,
)
from core import __version__


def create_app(*, context: ApiContext, limits: HttpLimits | None = None) -> FastAPI:
    limits = limits or HttpLimits()
    docs = limits.docs
    app = FastAPI(
        title="SiteGuard",
        version=__version__,
        description="Building-safety IoT gateway: devices, alarms, hazard tickets, reports.",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.context = context
    errors.install(app)
    app.include_router(health.router)
    app.include_router(buildings.router)
    app.include_router(devices.router)
    app.include_router(alarms.router)
    app.include_router(tickets.router)
    app.include_router(inspections.router)
    app.include_router(photos.router)
    app.include_router(public.router)
    app.include_router(tokens.router)
    app.include_router(audit.router)
    app.include_router(dead_letters.router)
    app.include_router(pending.router)
    app.include_router(ingest.router)
    app.include_router(reports.router)
    app.include_router(risk.router)
    app.include_router(rollout.router)
    app.include_router(stream.router)
    app.include_router(me.router)
    app.include_router(labels.router)
    app.include_router(web.router)
    app.mount("/static", web.WebFiles(directory=str(web.WEB)), name="static")
    # Outermost first: the headers go on every answer, the 413 included.
    app.add_middleware(
        BodyLimit,
        max_body_bytes=limits.max_body_bytes,
        ingest_max_bytes=limits.ingest_max_bytes,
        photo_max_bytes=limits.photo_max_bytes,
    )
    app.add_middleware(SecurityHeaders)
    return app
