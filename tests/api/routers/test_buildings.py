"""``/api/v1/buildings``: the list in the token's scope, one building, and the registry's
create-or-update (admin only)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gateway.device_index import BuildingInfo
from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import bearer, building_row, device_row


@pytest.fixture
def street(api: Api) -> None:
    api.insert(
        schema.buildings,
        [
            building_row("B1", name="1号楼", community="东区", property_company="安居物业"),
            building_row("B2", name="2号楼"),
            building_row("B3"),
        ],
    )
    api.insert(
        schema.devices, [device_row("d1", "B1"), device_row("d2", "B1"), device_row("d3", "B2")]
    )


def ids(answer: object) -> list[str]:
    return [b["building_id"] for b in answer.json()["items"]]  # type: ignore[attr-defined]


@pytest.mark.usefixtures("street")
def test_everyone_but_a_manager_sees_every_building(client: TestClient) -> None:
    for headers in (ADMIN, bearer(client, "duty")):
        answer = client.get("/api/v1/buildings", headers=headers)
        assert answer.status_code == 200
        assert ids(answer) == ["B1", "B2", "B3"] and answer.json()["total"] == 3
    b1 = client.get("/api/v1/buildings/B1", headers=ADMIN).json()
    assert b1 == {
        "building_id": "B1",
        "name": "1号楼",
        "community": "东区",
        "address": None,
        "property_company": "安居物业",
        "manager_contact": None,
        "venue_type": None,
        "floors": None,
        "responsible_person": None,
        "responsible_phone": None,
        "device_count": 2,
        "active_alarms": 0,
        "responsible_email": None,
    }


@pytest.mark.usefixtures("street")
def test_a_manager_sees_only_their_buildings_and_others_do_not_exist(client: TestClient) -> None:
    manager = bearer(client, "manager", ["B2", "B3"])
    answer = client.get("/api/v1/buildings", headers=manager)
    assert ids(answer) == ["B2", "B3"] and answer.json()["total"] == 2
    assert client.get("/api/v1/buildings/B2", headers=manager).status_code == 200
    outside = client.get("/api/v1/buildings/B1", headers=manager)
    missing = client.get("/api/v1/buildings/B9", headers=manager)
    assert (outside.status_code, missing.status_code) == (404, 404)
    assert outside.json() == {"detail": "building 'B1' not found"}  # as if it did not exist
    nobody = bearer(client, "manager", [])
    assert client.get("/api/v1/buildings", headers=nobody).json() == {"items": [], "total": 0}


@pytest.mark.usefixtures("street")
def test_paging(client: TestClient) -> None:
    page = client.get("/api/v1/buildings", headers=ADMIN, params={"limit": 1, "offset": 1})
    assert ids(page) == ["B2"] and page.json()["total"] == 3
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        answer = client.get("/api/v1/buildings", headers=ADMIN, params=bad)
        assert answer.status_code == 422
        assert answer.json()["detail"].startswith(f"query.{next(iter(bad))}: ")


def test_put_creates_then_updates_and_ingest_knows_at_once(client: TestClient, api: Api) -> None:
    body = {"name": "3号楼", "community": "西区", "property_company": "安居物业"}
    created = client.put("/api/v1/buildings/B7", headers=ADMIN, json=body)
    assert created.status_code == 201
    assert created.json()["name"] == "3号楼" and created.json()["device_count"] == 0
    assert api.registry.building("B7") == BuildingInfo(
        building_id="B7", name="3号楼", community="西区", property_company="安居物业"
    )
    updated = client.put("/api/v1/buildings/B7", headers=ADMIN, json={"name": "三号楼"})
    assert updated.status_code == 200
    assert updated.json()["name"] == "三号楼" and updated.json()["community"] is None  # replaced
    assert client.get("/api/v1/buildings/B7", headers=ADMIN).json() == updated.json()


@pytest.mark.usefixtures("street")
def test_only_an_admin_changes_the_registry(client: TestClient) -> None:
    for role, buildings in (("duty", None), ("manager", ["B1"])):
        answer = client.put(
            "/api/v1/buildings/B1", headers=bearer(client, role, buildings), json={"name": "x"}
        )
        assert answer.status_code == 403
        assert answer.json() == {"detail": f"this needs a admin token; yours is {role}"}
    assert client.get("/api/v1/buildings/B1", headers=ADMIN).json()["name"] == "1号楼"


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        ("/api/v1/buildings/B1", {"name": "x", "floor": 3}, "floor: Extra inputs"),
        ("/api/v1/buildings/B1", {"name": 7}, "name: "),
        ("/api/v1/buildings/bad%20id", {}, "building_id: 'bad id' is not 1-64"),
        ("/api/v1/buildings/" + "b" * 65, {}, "is not 1-64"),
    ],
)
def test_put_validation_names_the_field(
    client: TestClient, api: Api, path: str, body: dict[str, object], says: str
) -> None:
    answer = client.put(path, headers=ADMIN, json=body)
    assert answer.status_code == 422
    assert says in answer.json()["detail"]
    assert api.registry.building("B1") is None  # nothing was applied


def test_a_token_is_needed(client: TestClient) -> None:
    assert client.get("/api/v1/buildings").status_code == 401
    assert client.put("/api/v1/buildings/B1", json={}).status_code == 401


@pytest.mark.usefixtures("street")
def test_venue_attributes_are_stored_and_shown_and_checked(client: TestClient) -> None:
    body = {
        "name": "福满楼饭店",
        "community": "东区",
        "venue_type": "restaurant",
        "floors": 2,
        "responsible_person": "王建国",
        "responsible_phone": "138 1234 5678",
    }
    created = client.put("/api/v1/buildings/R1", headers=ADMIN, json=body).json()
    assert {k: created[k] for k in body} == body
    manager = bearer(client, "manager", ["R1"])
    shown = client.get("/api/v1/buildings/R1", headers=manager).json()
    assert (shown["venue_type"], shown["floors"], shown["responsible_phone"]) == (
        "restaurant",
        2,
        "138 1234 5678",
    )
    for bad, says in (
        ({"venue_type": "castle"}, "venue_type: Value error, one of school, clinic, shop"),
        ({"floors": 0}, "floors: "),
        ({"responsible_phone": "call me"}, "responsible_phone: "),
    ):
        answer = client.put("/api/v1/buildings/R1", headers=ADMIN, json=body | bad)
        assert answer.status_code == 422
        assert says in answer.json()["detail"]
    assert client.get("/api/v1/buildings/R1", headers=ADMIN).json()["venue_type"] == "restaurant"


@pytest.mark.usefixtures("street")
def test_the_responsible_email_is_stored_shown_and_checked(client: TestClient, api: Api) -> None:
    body = {"name": "福满楼饭店", "responsible_email": " wang.jianguo@fuman.example.cn "}
    created = client.put("/api/v1/buildings/R1", headers=ADMIN, json=body)
    assert created.status_code == 201
    assert created.json()["responsible_email"] == "wang.jianguo@fuman.example.cn"  # trimmed
    manager = bearer(client, "manager", ["R1"])
    shown = client.get("/api/v1/buildings/R1", headers=manager).json()
    assert shown["responsible_email"] == "wang.jianguo@fuman.example.cn"
    listed = client.get("/api/v1/buildings", headers=bearer(client, "duty")).json()["items"]
    assert [b["responsible_email"] for b in listed if b["building_id"] == "R1"] == [
        "wang.jianguo@fuman.example.cn"
    ]
    outsider = bearer(client, "manager", ["B1"])
    assert client.get("/api/v1/buildings/R1", headers=outsider).status_code == 404
    with api.engine.connect() as conn:
        stored = conn.execute(
            sa.select(schema.buildings.c.responsible_email).where(
                schema.buildings.c.building_id == "R1"
            )
        ).scalar_one()
    assert stored == "wang.jianguo@fuman.example.cn"
    for bad in (
        "wang",  # no domain
        "wang@localhost",  # a domain with no dot
        "wang jianguo@fuman.example.cn",
        "wang@fuman.example.cn\r\nBcc: all@example.cn",  # a header of its own
        "wang@fuman.example.cn, li@fuman.example.cn",  # a second recipient
        "王建国 <wang@fuman.example.cn>",
        "w" * 65 + "@fuman.example.cn",
        "w@" + "f" * 250 + ".cn",  # longer than 254
        "wang@fuman.example.cn\u0000",
    ):
        answer = client.put(
            "/api/v1/buildings/R1", headers=ADMIN, json=body | {"responsible_email": bad}
        )
        assert answer.status_code == 422, bad
        assert answer.json()["detail"].startswith("responsible_email: "), answer.json()
    cleared = client.put("/api/v1/buildings/R1", headers=ADMIN, json={"name": "福满楼饭店"})
    assert cleared.json()["responsible_email"] is None  # a PUT replaces every field
