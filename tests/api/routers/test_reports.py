"""``/api/v1/reports``: the figures of a month, quarter or year for the buildings the token
may see, as JSON, CSV or HTML; and the reports the schedule delivered (street-wide: not for
property managers). The figures themselves: tests/reports/."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import T0, bearer, building_row


@pytest.fixture
def street(api: Api) -> None:
    api.clock.set(T0 + 60 * 86_400_000)  # late November 2026: October is over
    api.insert(
        schema.buildings,
        [
            building_row("B1", name="1号楼", community="东区"),
            building_row("B2", name="2号楼", community="西区"),
        ],
    )
    api.insert(
        schema.reports,
        [
            {"id": "month:2026-09", "kind": "month", "period": "2026-09", "created_ms": T0,
             "json": '{"period": "2026-09"}', "html": "<p>九月</p>"},
            {"id": "month:2026-10", "kind": "month", "period": "2026-10", "created_ms": T0 + 1,
             "json": '{"period": "2026-10"}', "html": "<p>十月</p>"},
        ],
    )  # fmt: skip


def monthly(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    return client.get(
        "/api/v1/reports/monthly", headers=headers, params={"month": "2026-10", **params}
    )


@pytest.mark.usefixtures("street")
def test_a_month_for_the_street_and_for_one_managers_buildings(client: TestClient) -> None:
    whole = monthly(client, ADMIN)
    assert whole.status_code == 200, whole.text
    assert whole.headers["content-type"].startswith("application/json")
    body = whole.json()
    assert body["period"]["label"] == "2026-10" and body["scope"] is None
    assert [b["key"] for b in body["buildings"]] == ["B1", "B2"]
    manager = bearer(client, "manager", ["B2"])
    mine = monthly(client, manager).json()
    assert mine["scope"] == ["B2"] and [b["key"] for b in mine["buildings"]] == ["B2"]
    one = monthly(client, ADMIN, building="B1").json()
    assert one["scope"] == ["B1"] and [b["key"] for b in one["buildings"]] == ["B1"]


@pytest.mark.usefixtures("street")
def test_another_buildings_report_does_not_exist_for_a_manager(client: TestClient) -> None:
    manager = bearer(client, "manager", ["B2"])
    answer = monthly(client, manager, building="B1")
    assert answer.status_code == 404 and answer.json() == {"detail": "building 'B1' not found"}


@pytest.mark.usefixtures("street")
def test_quarter_and_year_as_csv_and_html(client: TestClient) -> None:
    csv = client.get(
        "/api/v1/reports/quarterly", headers=ADMIN, params={"quarter": "2026-Q4", "format": "csv"}
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="siteguard-2026-Q4.csv"' in csv.headers["content-disposition"]
    html = client.get(
        "/api/v1/reports/yearly", headers=ADMIN, params={"year": "2026", "format": "html"}
    )
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "1号楼" in html.text and "2号楼" in html.text


@pytest.mark.usefixtures("street")
@pytest.mark.parametrize(
    ("path", "params", "says"),
    [
        ("monthly", {"month": "2026-13"}, "the month must be 01-12"),
        ("monthly", {}, "query.month: Field required"),
        ("monthly", {"month": "2026-10", "format": "pdf"}, "query.format: "),
        ("monthly", {"month": "2026-10", "building": ""}, "query.building: "),
        ("quarterly", {"quarter": "2026-Q5"}, "'2026-Q5' is not YYYY-MM, YYYY-Qn or YYYY"),
        ("yearly", {"year": "twenty"}, "is not YYYY-MM, YYYY-Qn or YYYY"),
    ],
)
def test_periods_and_formats_are_validated(
    client: TestClient, path: str, params: dict[str, str], says: str
) -> None:
    answer = client.get(f"/api/v1/reports/{path}", headers=ADMIN, params=params)
    assert answer.status_code == 422
    assert says in answer.json()["detail"]


@pytest.mark.usefixtures("street")
def test_delivered_reports_are_the_streets_not_a_managers(client: TestClient) -> None:
    listed = client.get("/api/v1/reports/delivered", headers=bearer(client, "duty")).json()
    assert [(r["id"], r["period"]) for r in listed] == [
        ("month:2026-10", "2026-10"),
        ("month:2026-09", "2026-09"),
    ]  # newest first
    html = client.get("/api/v1/reports/delivered/month:2026-10", headers=ADMIN)
    assert html.status_code == 200 and html.text == "<p>十月</p>"  # as delivered, by default
    as_json = client.get(
        "/api/v1/reports/delivered/month:2026-10", headers=ADMIN, params={"format": "json"}
    )
    assert as_json.json() == {"period": "2026-10"}
    manager = bearer(client, "manager", ["B1", "B2"])
    assert client.get("/api/v1/reports/delivered", headers=manager).json() == []
    hidden = client.get("/api/v1/reports/delivered/month:2026-10", headers=manager)
    assert hidden.status_code == 404
    assert hidden.json() == {"detail": "report 'month:2026-10' not found"}
    assert client.get("/api/v1/reports/delivered/month:1999-01", headers=ADMIN).status_code == 404
    csv = client.get(
        "/api/v1/reports/delivered/month:2026-10", headers=ADMIN, params={"format": "csv"}
    )
    assert csv.status_code == 422  # delivered as JSON and HTML only


def test_a_token_is_needed(client: TestClient) -> None:
    assert client.get("/api/v1/reports/monthly", params={"month": "2026-10"}).status_code == 401
    assert client.get("/api/v1/reports/delivered").status_code == 401
