"""Public hazard reports (举报) over a real store and ticket desk: a report becomes a ticket
(``source: public``) and a tracking code that shows progress and nothing personal; the abuse
guards (rate limits per address and per building, size limits, the honeypot, duplicate
folding); the reporter's phone number shown to admin and duty only, deleted after its
retention; the reward mark; the lobby's QR code."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.config import Settings
from gateway.store import schema
from gateway.store.retention import prune
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import bearer, building_row

PHONE = "138 0013 8000"
DAY_MS = 86_400_000


@pytest.fixture
def street(api: Api) -> None:
    api.insert(
        schema.buildings,
        [
            building_row("B1", name="金泰里3号楼", community="东园"),
            building_row("B2", name="金泰里5号楼", community="东园"),
        ],
    )


def report(client: TestClient, **fields: Any) -> Any:
    body = {"building_id": "B1", "category": "ebike_charging", "text": "楼道里有电动车在充电"}
    return client.post("/api/v1/public/reports", json={**body, **fields})


def tickets(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(
        "/api/v1/tickets", headers=ADMIN, params={"source": "public"}
    ).json()["items"]
    return items


@pytest.mark.usefixtures("street")
def test_a_report_opens_a_ticket_and_its_code_shows_progress_without_personal_data(
    api: Api, client: TestClient
) -> None:
    made = report(client, contact=PHONE, category="gas_smell", text="三楼闻到很浓的燃气味")
    assert made.status_code == 201, made.text
    code = made.json()["tracking_code"]
    assert len(code) == 11 and code[5] == "-" and made.json()["folded"] is False
    (ticket,) = tickets(client)
    assert (ticket["source"], ticket["category"], ticket["severity"]) == (
        "public",
        "gas",
        "critical",
    )
    assert ticket["title"] == "群众举报：闻到燃气味（金泰里3号楼）"
    assert ticket["created_by"] == "群众举报" and code in ticket["history"][0]["note"]
    assert PHONE.replace(" ", "") not in str(ticket)
    # As typed from a phone: lower case, no dash.
    status = client.get(f"/api/v1/public/reports/{code.lower().replace('-', '')}")
    assert status.status_code == 200
    assert status.json() == {
        "tracking_code": code,
        "building": "金泰里3号楼",
        "category": "gas_smell",
        "reported_at": status.json()["reported_at"],
        "status": "open",
        "steps": [{"at": ticket["created_at"], "status": "open"}],
    }
    assert "13800138000" not in status.text and "燃气味" not in status.text
    assert client.get("/api/v1/public/reports/ZZZZZ-ZZZZZ").status_code == 404


@pytest.mark.usefixtures("street")
def test_the_same_hazard_reported_again_folds_into_the_open_ticket(
    api: Api, client: TestClient
) -> None:
    first = report(client).json()
    again = report(client, text="还是有人在楼道充电").json()
    assert again["folded"] is True and again["tracking_code"] != first["tracking_code"]
    assert len(tickets(client)) == 1
    other = report(client, category="fire_exit_blocked", text="安全出口被杂物堵住").json()
    elsewhere = report(client, building_id="B2").json()
    assert not other["folded"] and not elsewhere["folded"] and len(tickets(client)) == 3
    # Both codes follow the one ticket; once it is closed, a new report opens a new one.
    for code in (first["tracking_code"], again["tracking_code"]):
        assert client.get(f"/api/v1/public/reports/{code}").json()["status"] == "open"
    with api.engine.begin() as conn:
        t = schema.tickets
        conn.execute(sa.update(t).where(t.c.category == "ebike", t.c.building_id == "B1")
                     .values(status="closed"))  # fmt: skip
    assert client.get(f"/api/v1/public/reports/{again['tracking_code']}").json()["status"] == (
        "closed"
    )


@pytest.mark.usefixtures("street")
def test_rate_limits_per_address_and_per_building(api: Api, client: TestClient) -> None:
    # rate_limit_per_hour = 4, building_limit_per_hour = 6 here.
    answers = [report(client, text=f"第{i}次").status_code for i in range(5)]
    assert answers == [201, 201, 201, 201, 429]
    limited = report(client)
    assert "at most 4 per hour" in limited.json()["detail"] and "Retry-After" in limited.headers
    api.clock.advance(3_600_001)
    assert report(client).status_code == 201
    guards = api.app.state.context.public_guards
    guards.reports = type(guards.reports)()  # another address each time from here
    for _ in range(3):
        guards.reports = type(guards.reports)()
        report(client, building_id="B2")
    statuses = []
    for _ in range(5):
        guards.reports = type(guards.reports)()
        statuses.append(report(client, building_id="B2").status_code)
    assert statuses == [201, 201, 201, 429, 429]  # 6 for B2 in the hour
    assert "for this building" in report(client, building_id="B2").text


@pytest.mark.usefixtures("street")
def test_size_limits_honeypot_and_bad_input(api: Api, client: TestClient) -> None:
    assert report(client, text="长" * 61).status_code == 422  # max_text = 60
    assert report(client, text="   ").status_code == 422
    assert report(client, category="ufo").status_code == 422
    assert report(client, contact="call me maybe").status_code == 422
    assert report(client, building_id="NOPE").status_code == 404
    huge = client.post(
        "/api/v1/public/reports",
        content=b'{"text": "' + b"x" * (1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    # Each try counted against the address (4 an hour here): a fresh hour for the bot.
    api.clock.advance(3_600_001)
    # A bot fills the field people do not see: told it worked, nothing kept.
    bot = report(client, website="http://spam.example")
    assert bot.status_code == 201 and bot.json()["tracking_code"]
    assert tickets(client) == []
    with api.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.public_reports)).scalar()
            == 0
        )
    assert client.get(f"/api/v1/public/reports/{bot.json()['tracking_code']}").status_code == 404


@pytest.mark.usefixtures("street")
def test_the_phone_number_is_for_admin_and_duty_only_and_deleted_after_its_time(
    api: Api, client: TestClient
) -> None:
    report(client, contact=PHONE)
    seen = client.get("/api/v1/public-reports", headers=ADMIN).json()["items"][0]
    assert (seen["contact"], seen["contact_masked"]) == ("13800138000", "138****8000")
    duty = client.get("/api/v1/public-reports", headers=bearer(client, "duty")).json()
    assert duty["items"][0]["contact"] == "13800138000"
    manager = client.get("/api/v1/public-reports", headers=bearer(client, "manager", ["B1"]))
    assert manager.json()["items"][0]["contact"] is None
    assert "8000" not in manager.text  # not even masked
    other = client.get("/api/v1/public-reports", headers=bearer(client, "manager", ["B2"]))
    assert other.json()["total"] == 0
    tickets_seen = client.get("/api/v1/tickets", headers=bearer(client, "manager", ["B1"]))
    assert "8000" not in tickets_seen.text
    settings = Settings()
    with api.engine.begin() as conn:
        prune(conn, settings=settings, now_ms=api.clock.now_ms() + 89 * DAY_MS)
    assert client.get("/api/v1/public-reports", headers=ADMIN).json()["items"][0]["contact"]
    with api.engine.begin() as conn:
        prune(conn, settings=settings, now_ms=api.clock.now_ms() + 90 * DAY_MS + 1)
    gone = client.get("/api/v1/public-reports", headers=ADMIN).json()["items"][0]
    assert (gone["contact"], gone["contact_masked"]) == (None, None)


@pytest.mark.usefixtures("street")
def test_a_confirmed_report_is_marked_for_the_reward_once(api: Api, client: TestClient) -> None:
    report(client)
    report(client, text="又看到了")  # folded
    items = client.get("/api/v1/public-reports", headers=ADMIN).json()["items"]
    folded, first = items  # newest first
    url = f"/api/v1/public-reports/{first['id']}/reward"
    refused = client.post(url, headers=ADMIN)
    assert refused.status_code == 409 and "not closed yet" in refused.json()["detail"]
    with api.engine.begin() as conn:
        t = schema.tickets
        conn.execute(sa.update(t).where(t.c.id == first["ticket_id"]).values(status="closed"))
    assert client.post(url, headers=bearer(client, "manager", ["B1"])).status_code == 403
    assert client.post(url, headers=ADMIN).status_code == 204
    assert client.post(url, headers=ADMIN).status_code == 409  # once
    folded_url = f"/api/v1/public-reports/{folded['id']}/reward"
    assert "reward that one" in client.post(folded_url, headers=ADMIN).json()["detail"]
    rewarded = client.get("/api/v1/public-reports?rewarded=true", headers=ADMIN).json()
    assert [r["id"] for r in rewarded["items"]] == [first["id"]]
    audit = client.get("/api/v1/audit", headers=ADMIN, params={"action": "public_report.reward"})
    assert [e["target_id"] for e in audit.json()["items"]] == [first["id"]]


@pytest.mark.usefixtures("street")
def test_photos_from_the_public_are_limited_and_tied_to_their_building(
    api: Api, client: TestClient
) -> None:
    jpeg = b"\xff\xd8\xff\xe0" + bytes(300)

    def upload(building: str, data: bytes = jpeg) -> Any:
        return client.post(
            f"/api/v1/public/photos?building={building}",
            content=data,
            headers={"Content-Type": "image/jpeg"},
        )

    taken = upload("B2")
    assert taken.status_code == 201
    assert report(client, photo=taken.json()["id"]).status_code == 422  # a photo of B2
    assert upload("B1", b"<html>").status_code == 415
    assert upload("B1").status_code == 429  # photos_per_hour = 2, counted on every try


@pytest.mark.usefixtures("street")
def test_the_page_and_the_qr_code(api: Api, client: TestClient) -> None:
    page = client.get("/r/B1")
    assert page.status_code == 200 and "金泰里3号楼" in page.text and 'lang="zh-CN"' in page.text
    assert "http" not in page.text.split("<body>")[1].replace('href="tel:', "")  # nothing outside
    assert client.get("/r/NOPE").status_code == 404
    qr = client.get("/api/v1/buildings/B1/qr.svg", headers=ADMIN)
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in qr.text and 'xmlns="http://www.w3.org/2000/svg"' in qr.text
    assert "举报二维码 B1" in qr.text
    manager = bearer(client, "manager", ["B2"])
    assert client.get("/api/v1/buildings/B1/qr.svg", headers=manager).status_code == 404
