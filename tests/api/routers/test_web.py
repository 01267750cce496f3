"""The console's files as the browser gets them: ES modules need a JavaScript type (a
browser refuses to run a module served as anything else) and the CSP's script-src 'self'
must hold without any inline script. The modules' own behaviour is tested in Node
(tests/web/) and in Chromium (tests/e2e/test_console.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from api.routers.web import WEB

MODULES = sorted(p.name for p in WEB.iterdir() if p.name.endswith(".js"))
IMPORT = re.compile(r"""^import\s[^;]*?from\s+"([^"]+)";""", re.MULTILINE | re.DOTALL)


def test_the_page_loads_one_module_and_no_inline_script(
    make_client: Callable[[], TestClient],
) -> None:
    page = make_client().get("/").text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert scripts == [(' type="module" src="/static/main.js"', "")]


def test_every_module_is_served_as_javascript_under_the_csp(
    make_client: Callable[[], TestClient],
) -> None:
    client = make_client()
    assert "main.js" in MODULES and "app.js" not in MODULES
    for name in MODULES:
        answer = client.get(f"/static/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["content-type"] == "text/javascript; charset=utf-8", name
        csp = answer.headers["content-security-policy"]
        script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert script.strip() == "script-src 'self'"


def test_every_import_names_a_served_module() -> None:
    for name in MODULES:
        for target in IMPORT.findall((WEB / name).read_text(encoding="utf-8")):
            assert target.startswith("./") and target[2:] in MODULES, f"{name}: {target}"
