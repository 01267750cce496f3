"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors
from api.context import ApiContext
from api.routers import (
    alarms,
    buildings,
    dead_letters,
    devices,
    health,
    ingest,
    me,
    pending,
    reports,
    stream,
    tickets,
    tokens,
    web,
)
from siteguard import __version__


def create_app(*, context: ApiContext) -> FastAPI:
    app = FastAPI(
        title="SiteGuard",
        version=__version__,
        description="Building-safety IoT gateway: devices, alarms, hazard tickets, reports.",
    )
    app.state.context = context
    errors.install(app)
    app.include_router(health.router)
    app.include_router(buildings.router)
    app.include_router(devices.router)
    app.include_router(alarms.router)
    app.include_router(tickets.router)
    app.include_router(tokens.router)
    app.include_router(dead_letters.router)
    app.include_router(pending.router)
    app.include_router(ingest.router)
    app.include_router(reports.router)
    app.include_router(stream.router)
    app.include_router(me.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=str(web.WEB)), name="static")
    return app
