"""What a standby instance (``ha.enabled``) answers on the API port.

A standby holds no state worth serving: its memory is empty until it takes over, and
anything it read from the database could be a moment behind the active instance. So it
answers 503 everywhere, which is what takes it out of any load balancer's rotation:
``/healthz`` with ``{"role": "standby"}`` and the active instance's name, every other path
with the same and ``Retry-After``. ``/metrics`` is served, so monitoring sees both instances
and which one leads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from api.limits import SecurityHeaders
from core import __version__

_RETRY_AFTER_S = "2"


def create_standby_app(
    *,
    instance: str,
    active: Callable[[], str | None],
    render_metrics: Callable[[], bytes],
) -> FastAPI:
    """``active`` names the instance that holds the lease (None: nobody, a takeover is due)."""
    app = FastAPI(
        title="SiteGuard (standby)",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    def body(detail: str) -> dict[str, Any]:
        return {
            "status": "standby",
            "role": "standby",
            "instance": instance,
            "active": active(),
            "detail": detail,
        }

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse(body("this instance is a standby"), status_code=503)

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(render_metrics(), media_type=CONTENT_TYPE_LATEST)

    @app.api_route(
        "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    )
    def elsewhere(path: str, request: Request) -> JSONResponse:
        return JSONResponse(
            body("this instance is a standby; the active instance serves the API"),
            status_code=503,
            headers={"Retry-After": _RETRY_AFTER_S},
        )

    app.add_middleware(SecurityHeaders)
    return app
