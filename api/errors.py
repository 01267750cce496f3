"""Every error answers ``{"detail": "<one readable sentence>"}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from gateway.commands import StoreUnavailable
from gateway.store.db import UNAVAILABLE


def _describe(error: dict[str, object]) -> str:
    loc = error.get("loc", ())
    where = ".".join(str(part) for part in loc if part != "body") if isinstance(loc, tuple) else ""
    return f"{where}: {error.get('msg')}" if where else str(error.get("msg"))


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = "; ".join(_describe(dict(err)) for err in exc.errors())
    return JSONResponse({"detail": detail}, status_code=422)


async def _database_down(_: Request, exc: Exception) -> JSONResponse:
    # Never the driver's text: it can name the host, the user and the query.
    return JSONResponse(
        {"detail": "the database is unavailable; try again shortly"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StoreUnavailable, _database_down)
    for error in UNAVAILABLE:
        app.add_exception_handler(error, _database_down)
