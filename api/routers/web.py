"""The web pages: one page (sign-in, the duty console, the property managers' pages) and its
static files, served by the API itself. The page holds no data until a token signs in; all
data comes from the API with that token."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

WEB = resources.files("api") / "web"


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    page = (WEB / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
