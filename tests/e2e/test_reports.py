"""Reports through the running gateway: the API in every format and scope, the CLI, and the
HTML page in headless Chromium (standalone and in the console), screenshots saved."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from tests.conftest import GatewayFactory
from tests.e2e.test_console import ARTIFACTS, sign_in, token
from tests.reports.fixture import expected, insert, local, make_records
from tests.support.gateway import ADMIN_TOKEN, Gateway
from tests.support.servers import Mosquitto

OCTOBER = (local(2026, 10), local(2026, 11))


@pytest.fixture
def gateway(mosquitto: Mosquitto, make_gateway: GatewayFactory, tmp_path: Path) -> Gateway:
    engine = create_engine(f"sqlite:///{tmp_path / 'siteguard.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        insert(conn, make_records())
    engine.dispose()
    return make_gateway(mqtt_url=mosquitto.url).start()


@pytest.mark.services
def test_report_api_in_every_format_and_scope(gateway: Gateway) -> None:
    body = gateway.get("/api/v1/reports/monthly", month="2026-10")
    want = expected(make_records(), *OCTOBER, now=local(2027, 1, 1))["street"]
    for figure, value in body["total"]["figures"].items():
        if value is not None and figure in want:
            assert value == pytest.approx(want[figure], rel=1e-4, abs=1e-3), figure
    assert body["total"]["figures"]["alarms.kind.fire"] == 2
    assert {w["metric"] for w in body["early_warnings"]} >= {"alarms.kind.smoke"}

    response = gateway.call(
        "GET", "/api/v1/reports/monthly", params={"month": "2026-10", "format": "csv"}
    )
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="siteguard-2026-10.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["key"] for r in rows if r["level"] == "building"} == {"A1", "A2", "B1", "C1"}

    html = gateway.call(
        "GET", "/api/v1/reports/monthly", params={"month": "2026-10", "format": "html"}
    )
    assert html.headers["content-type"].startswith("text/html") and "2026年10月" in html.text

    quarter = gateway.get("/api/v1/reports/quarterly", quarter="2026-Q3")
    assert quarter["period"]["label"] == "2026-Q3"

    manager = token(gateway, "manager", ["A2"])
    mine = gateway.get("/api/v1/reports/monthly", token=manager, month="2026-10")
    assert [u["key"] for u in mine["buildings"]] == ["A2"] and mine["scope"] == ["A2"]
    other = gateway.call(
        "GET",
        "/api/v1/reports/monthly",
        token=manager,
        params={"month": "2026-10", "building": "B1"},
    )
    assert other.status_code == 404
    bad = gateway.call("GET", "/api/v1/reports/monthly", params={"month": "2026-13"})
    assert bad.status_code == 422 and "01-12" in bad.json()["detail"]
    assert (
        gateway.call(
            "GET", "/api/v1/reports/monthly", token=None, params={"month": "2026-10"}
        ).status_code
        == 401
    )


@pytest.mark.services
def test_report_cli_writes_the_file_and_shows_progress(gateway: Gateway, tmp_path: Path) -> None:
    out = tmp_path / "2026-10.csv"
    result = subprocess.run(
        [sys.executable, "-m", "siteguard", "report", "monthly", "--month", "2026-10",
         "--format", "csv", "-o", str(out), "--config", str(gateway.config)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "e-bike detections" in result.stderr and "done in" in result.stderr  # progress
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    fire = next(r for r in rows if r["level"] == "total" and r["metric"] == "alarms.kind.fire")
    assert float(fire["value"]) == 2
    bad = subprocess.run(
        [sys.executable, "-m", "siteguard", "report", "monthly", "--month", "October",
         "--config", str(gateway.config)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode != 0 and "YYYY-MM" in bad.stderr


@pytest.mark.services
def test_report_html_in_chromium(browser: object, gateway: Gateway) -> None:
    html = httpx.get(
        f"{gateway.base}/api/v1/reports/monthly",
        params={"month": "2026-10", "format": "html"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=30,
    ).text
    page = browser.new_page(viewport={"width": 1000, "height": 1400})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content(html)
    assert page.locator("svg.chart").count() >= 3
    assert "确认火警" in page.inner_text("body")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-2026-10.png"), full_page=True)
    page.pdf(path=str(ARTIFACTS / "report-2026-10.pdf"), format="A4")  # it prints
    assert errors == []

    console = browser.new_page(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
    sign_in(console, gateway.base, token(gateway, "duty"), sound=True)
    console.wait_for_selector("#duty:not([hidden])")
    console.click("[data-testid=reports-open]")
    console.fill("[data-testid=report-period]", "2026-10")
    console.click("[data-testid=report-view]")
    frame = console.frame_locator("[data-testid=report-frame]")
    frame.locator("text=风险预警").first.wait_for()
    console.screenshot(path=str(ARTIFACTS / "console-reports.png"))
