"""The web pages: one page (sign-in, the duty console, the property managers' pages) and its
static files, served by the API itself. The page holds no data until a token signs in; all
data comes from the API with that token. The scripts are ES modules (``main.js`` imports
the rest), loaded under the CSP's ``script-src 'self'``."""

from __future__ import annotations

import os
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

router = APIRouter(include_in_schema=False)

WEB = resources.files("api") / "web"


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    page = (WEB / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


class WebFiles(StaticFiles):
    """``/static``: the page's files. A browser runs a module script only when it is served
    as JavaScript; the type is set here rather than guessed from the host's mime.types
    (which may lack ``.js`` or, on some systems, say ``text/plain``)."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if os.fspath(full_path).endswith(".js") and "content-type" in response.headers:
            response.headers["content-type"] = "text/javascript; charset=utf-8"
        return response
