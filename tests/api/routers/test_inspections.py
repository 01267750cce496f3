"""``/api/v1/inspections`` and ``/api/v1/photos`` over a real store and ticket desk: the
quarter's plan and coverage, the checklist -> tickets path, the inspector's community scope
(another community's venue is 404) and the photo limits."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.config.inspections import InspectionsConfig
from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import building_row

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 1000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500
RESTAURANT = InspectionsConfig().items_for("restaurant")
SHOP = InspectionsConfig().items_for("shop")


@pytest.fixture
def street(api: Api) -> None:
    api.insert(
        schema.buildings,
        [
            building_row("R1", name="老王饭馆", community="东园", venue_type="restaurant"),
            building_row("S1", name="便民超市", community="东园", venue_type="shop"),
            building_row("H1", name="3号楼", community="东园", venue_type="residential"),
            building_row("S2", name="西园小卖部", community="西园", venue_type="shop"),
        ],
    )


def inspector(client: TestClient, communities: list[str]) -> dict[str, str]:
    made = client.post(
        "/api/v1/tokens",
        headers=ADMIN,
        json={"name": "网格员小李", "role": "inspector", "communities": communities},
    )
    assert made.status_code == 201, made.text
    assert made.json()["communities"] == communities
    return {"Authorization": f"Bearer {made.json()['token']}"}


def answers(items: tuple[str, ...], failed: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"item": i, "ok": i not in failed, **failed.get(i, {})} for i in items]


def photo(client: TestClient, who: dict[str, str], building: str, data: bytes = JPEG) -> Any:
    return client.post(
        f"/api/v1/photos?building={building}",
        headers={**who, "Content-Type": "image/jpeg"},
        content=data,
    )


@pytest.mark.usefixtures("street")
def test_a_failed_item_opens_a_linked_ticket_with_its_note_and_photo(
    api: Api, client: TestClient
) -> None:
    li = inspector(client, ["东园"])
    taken = photo(client, li, "R1")
    assert taken.status_code == 201, taken.text
    assert taken.json()["media_type"] == "image/jpeg"
    body = {
        "building_id": "R1",
        "items": answers(
            RESTAURANT,
            {
                "gas_hoses": {"note": "软管老化开裂", "photo": taken.json()["id"]},
                "extinguishers": {"note": "灭火器过期"},
            },
        ),
        "note": "老板在场",
    }
    made = client.post("/api/v1/inspections", headers=li, json=body)
    assert made.status_code == 201, made.text
    inspection = made.json()
    assert (inspection["failed"], inspection["inspector"], inspection["community"]) == (
        2,
        "网格员小李",
        "东园",
    )
    assert inspection["venue_type"] == "restaurant" and inspection["quarter"] == "2026-Q1"
    assert [i["item"] for i in inspection["items"]] == list(RESTAURANT)
    failed = {i["item"]: i for i in inspection["items"] if not i["ok"]}
    assert failed["gas_hoses"]["photo_id"] == taken.json()["id"]
    tickets = client.get("/api/v1/tickets", headers=ADMIN, params={"source": "inspection"})
    by_id = {t["id"]: t for t in tickets.json()["items"]}
    assert set(by_id) == {failed["gas_hoses"]["ticket_id"], failed["extinguishers"]["ticket_id"]}
    gas = by_id[failed["gas_hoses"]["ticket_id"]]
    assert gas["title"] == "老王饭馆：燃气软管、切断阀完好不合格"
    assert (gas["category"], gas["source"], gas["inspection_id"], gas["venue_type"]) == (
        "inspection",
        "inspection",
        inspection["id"],
        "restaurant",
    )
    assert gas["created_by"] == "网格员小李" and "软管老化开裂" in gas["history"][0]["note"]
    # The inspector follows its own tickets; the record reads back as it was answered.
    assert client.get("/api/v1/tickets", headers=li).json()["total"] == 2
    again = client.get(f"/api/v1/inspections/{inspection['id']}", headers=li)
    assert again.json() == inspection
    audit = client.get("/api/v1/audit", headers=ADMIN, params={"action": "inspection.create"})
    assert [e["target_id"] for e in audit.json()["items"]] == [inspection["id"]]


@pytest.mark.usefixtures("street")
def test_the_plan_shows_due_done_and_overdue_with_coverage_per_community(
    api: Api, client: TestClient
) -> None:
    plan = client.get("/api/v1/inspections/plan", headers=ADMIN).json()
    assert plan["quarter"] == "2026-Q1"
    assert plan["starts_at"] == "2025-12-31T16:00:00.000Z"
    # Residential buildings are not 九小场所: not in the plan.
    assert [(v["building_id"], v["state"]) for v in plan["venues"]] == [
        ("R1", "due"),
        ("S1", "due"),
        ("S2", "due"),
    ]
    assert plan["venues"][0]["checklist"] == list(RESTAURANT)
    ok = {"building_id": "S1", "items": answers(SHOP, {})}
    assert client.post("/api/v1/inspections", headers=ADMIN, json=ok).status_code == 201
    plan = client.get("/api/v1/inspections/plan", headers=ADMIN).json()
    states = {v["building_id"]: (v["state"], v["failed"]) for v in plan["venues"]}
    assert states == {"R1": ("due", None), "S2": ("due", None), "S1": ("done", 0)}
    assert plan["coverage"] == [
        {"community": "东园", "venues": 2, "done": 1, "rate": 0.5},
        {"community": "西园", "venues": 1, "done": 0, "rate": 0.0},
    ]
    # The quarter before: nothing was done in it, and it is over.
    past = client.get("/api/v1/inspections/plan?quarter=2025-Q4", headers=ADMIN).json()
    assert {v["state"] for v in past["venues"]} == {"overdue"}
    west = client.get("/api/v1/inspections/plan?community=西园", headers=ADMIN).json()
    assert [v["building_id"] for v in west["venues"]] == ["S2"]
    bad = client.get("/api/v1/inspections/plan?quarter=2026-Q9", headers=ADMIN)
    assert bad.status_code == 422 and "quarter" in bad.json()["detail"]
    listed = client.get("/api/v1/inspections?quarter=2026-Q1", headers=ADMIN).json()
    assert [i["building_id"] for i in listed["items"]] == ["S1"]


@pytest.mark.usefixtures("street")
def test_an_inspector_sees_only_the_venues_of_its_communities(api: Api, client: TestClient) -> None:
    west = {"building_id": "S2", "items": answers(SHOP, {"wiring": {"note": "插排串接"}})}
    made = client.post("/api/v1/inspections", headers=ADMIN, json=west)
    assert made.status_code == 201
    li = inspector(client, ["东园"])
    plan = client.get("/api/v1/inspections/plan", headers=li).json()
    assert {v["building_id"] for v in plan["venues"]} == {"R1", "S1"}
    assert [c["community"] for c in plan["coverage"]] == ["东园"]
    refused = client.post("/api/v1/inspections", headers=li, json=west)
    assert refused.status_code == 404 and "S2" in refused.json()["detail"]
    assert client.get(f"/api/v1/inspections/{made.json()['id']}", headers=li).status_code == 404
    assert client.get("/api/v1/inspections", headers=li).json()["total"] == 0
    assert client.get("/api/v1/tickets", headers=li).json()["total"] == 0
    assert client.get("/api/v1/buildings/S2", headers=li).status_code == 404
    assert photo(client, li, "S2").status_code == 404
    # A venue registered in its community later is in scope at once.
    api.insert(schema.buildings, [building_row("C9", community="东园", venue_type="clinic")])
    plan = client.get("/api/v1/inspections/plan", headers=li).json()
    assert "C9" in {v["building_id"] for v in plan["venues"]}
    # An inspector records, but does not run the desk.
    assert client.get("/api/v1/alarms", headers=li).status_code in (200, 403)
    assert client.post("/api/v1/tokens", headers=li, json={}).status_code == 403
    nobody = inspector(client, [])
    assert client.get("/api/v1/inspections/plan", headers=nobody).json()["venues"] == []


def test_inspector_scope_is_by_community_and_only_for_inspectors(client: TestClient) -> None:
    wrong = client.post(
        "/api/v1/tokens",
        headers=ADMIN,
        json={"name": "x", "role": "manager", "communities": ["东园"]},
    )
    assert wrong.status_code == 422 and "only inspector tokens" in wrong.json()["detail"]
    li = inspector(client, ["东园", "西园"])
    me = client.get("/api/v1/me", headers=li).json()
    assert (me["role"], me["communities"]) == ("inspector", ["东园", "西园"])


@pytest.mark.usefixtures("street")
def test_answers_that_do_not_fit_the_checklist_are_422_and_change_nothing(
    api: Api, client: TestClient
) -> None:
    missing = {"building_id": "R1", "items": answers(SHOP, {})}
    refused = client.post("/api/v1/inspections", headers=ADMIN, json=missing)
    assert refused.status_code == 422
    assert "not answered: gas_hoses, gas_detector" in refused.json()["detail"]
    west_photo = photo(client, ADMIN, "S2").json()["id"]
    borrowed = {
        "building_id": "S1",
        "items": answers(SHOP, {"wiring": {"note": "乱接", "photo": west_photo}}),
    }
    refused = client.post("/api/v1/inspections", headers=ADMIN, json=borrowed)
    assert refused.status_code == 422 and "not a photo of this building" in refused.text
    nowhere = {**missing, "building_id": "Z"}
    unknown = client.post("/api/v1/inspections", headers=ADMIN, json=nowhere)
    assert unknown.status_code == 404
    assert client.get("/api/v1/inspections", headers=ADMIN).json()["total"] == 0
    assert client.get("/api/v1/tickets", headers=ADMIN).json()["total"] == 0


@pytest.mark.usefixtures("street")
def test_photos_are_limited_in_size_type_and_rate_and_served_in_scope(
    api: Api, client: TestClient
) -> None:
    li = inspector(client, ["东园"])
    too_big = photo(client, li, "R1", JPEG + b"\x00" * 64 * 1024)
    assert too_big.status_code == 413 and "at most 65536" in too_big.json()["detail"]
    html = photo(client, li, "R1", b"<svg onload=alert(1)></svg>")
    assert html.status_code == 415 and "not a JPEG, PNG or WebP" in html.json()["detail"]
    taken = photo(client, li, "R1", PNG)
    assert taken.status_code == 201 and taken.json()["media_type"] == "image/png"
    served = client.get(f"/api/v1/photos/{taken.json()['id']}", headers=li)
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    west = inspector(client, ["西园"])
    assert client.get(f"/api/v1/photos/{taken.json()['id']}", headers=west).status_code == 404
    # photos_per_hour = 5 here: the three tries so far count, refused or not.
    assert [photo(client, li, "R1").status_code for _ in range(2)] == [201, 201]
    limited = photo(client, li, "R1")
    assert limited.status_code == 429 and "5 photos per hour" in limited.json()["detail"]
    api.clock.advance(3_600_001)
    assert photo(client, li, "R1").status_code == 201
