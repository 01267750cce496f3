"""``/api/v1/devices``: the list in the token's scope, one device with its readings and what
it sends that no product model reads, and the registry's create-or-update (admin only).
Filters and live status: ``test_registry_endpoints.py``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gateway.device_index import DeviceInfo
from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import T0, bearer, building_row, device_row


@pytest.fixture
def street(api: Api) -> None:
    api.insert(schema.buildings, [building_row("B1"), building_row("B2")])
    api.insert(
        schema.devices,
        [
            device_row("s1", "B1", imei="860000000000001", model="lian-smoke-nb"),
            device_row("g1", "B1", "gas"),
            device_row("s2", "B2"),
        ],
    )


def listed(client: TestClient, headers: dict[str, str], **params: object) -> list[str]:
    answer = client.get("/api/v1/devices", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [d["device_id"] for d in answer.json()["items"]]


@pytest.mark.usefixtures("street")
def test_a_manager_sees_only_the_devices_of_their_buildings(client: TestClient) -> None:
    assert listed(client, ADMIN) == ["g1", "s1", "s2"]  # by building, then id
    assert listed(client, bearer(client, "duty")) == ["g1", "s1", "s2"]
    manager = bearer(client, "manager", ["B2"])
    assert listed(client, manager) == ["s2"]
    assert listed(client, manager, building="B1") == []  # asking does not widen the scope
    assert client.get("/api/v1/devices/s2", headers=manager).status_code == 200
    outside = client.get("/api/v1/devices/s1", headers=manager)
    assert outside.status_code == 404 and outside.json() == {"detail": "device 's1' not found"}


@pytest.mark.usefixtures("street")
def test_detail_has_identifiers_and_what_no_model_reads(client: TestClient, api: Api) -> None:
    api.clock.set(T0)
    api.insert(
        schema.dead_letters,
        [
            {
                "id": f"01DL{i}",
                "received_ms": T0 - age_ms,
                "source": "http",
                "adapter": "ctwing",
                "topic": "siteguard/v1/vendor/ctwing/http",
                "reason": reason,
                "detail": f"fields: temp{i}",
                "device_id": "s1",
                "building_id": "B1",
                "payload": b"{}",
                "product": "ctwing:15017088",
            }
            for i, (reason, age_ms) in enumerate(
                [
                    ("unmapped:fields", 1000),
                    ("unmapped:fields", 2000),
                    ("unmapped:fields", 8 * 86_400_000),  # older than a week: not counted
                    ("not_json", 10),  # not an unread field
                ]
            )
        ],
    )
    body = client.get("/api/v1/devices/s1", headers=ADMIN).json()
    assert (body["imei"], body["model"], body["readings"]) == (
        "860000000000001",
        "lian-smoke-nb",
        [],
    )
    assert body["unread"] is not None
    assert (body["unread"]["count_7d"], body["unread"]["detail"]) == (2, "fields: temp0")
    assert client.get("/api/v1/devices/g1", headers=ADMIN).json()["unread"] is None


def test_put_creates_then_updates_and_ingest_knows_at_once(client: TestClient, api: Api) -> None:
    assert client.put("/api/v1/buildings/B1", headers=ADMIN, json={}).status_code == 201
    body = {"device_type": "smoke", "building_id": "B1", "imei": "860000000000009", "floor": 3}
    created = client.put("/api/v1/devices/s9", headers=ADMIN, json=body)
    assert created.status_code == 201, created.text
    assert (created.json()["imei"], created.json()["floor"]) == ("860000000000009", 3)
    assert api.registry.device("s9") == DeviceInfo(
        device_id="s9", device_type="smoke", building_id="B1", imei="860000000000009"
    )
    moved = client.put("/api/v1/devices/s9", headers=ADMIN, json={**body, "floor": 4})
    assert moved.status_code == 200 and moved.json()["floor"] == 4


@pytest.mark.usefixtures("street")
def test_registry_refusals_say_why(client: TestClient) -> None:
    unknown = client.put(
        "/api/v1/devices/s9", headers=ADMIN, json={"device_type": "smoke", "building_id": "B9"}
    )
    assert unknown.status_code == 422
    assert unknown.json() == {"detail": "building_id: unknown building 'B9'; register it first"}
    taken = client.put(
        "/api/v1/devices/s9",
        headers=ADMIN,
        json={"device_type": "smoke", "building_id": "B1", "imei": "860000000000001"},
    )
    assert taken.status_code == 409
    assert taken.json() == {"detail": "imei: 860000000000001 already belongs to device 's1'"}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"device_type": "toaster", "building_id": "B1"}, "device_type: "),
        ({"device_type": "smoke"}, "building_id: Field required"),
        ({"device_type": "smoke", "building_id": "B1", "imei": "12"}, "imei: "),
        ({"device_type": "smoke", "building_id": "B1", "floor": 301}, "floor: "),
        ({"device_type": "smoke", "building_id": "B1", "colour": "red"}, "colour: Extra inputs"),
    ],
)
def test_put_validation_names_the_field(
    client: TestClient, body: dict[str, object], says: str
) -> None:
    answer = client.put("/api/v1/devices/s9", headers=ADMIN, json=body)
    assert answer.status_code == 422
    assert says in answer.json()["detail"]


@pytest.mark.usefixtures("street")
def test_only_an_admin_registers_devices(client: TestClient, api: Api) -> None:
    body = {"device_type": "smoke", "building_id": "B2"}
    for role, buildings in (("duty", None), ("manager", ["B2"])):
        answer = client.put(
            "/api/v1/devices/s9", headers=bearer(client, role, buildings), json=body
        )
        assert answer.status_code == 403
        assert answer.json()["detail"] == f"this needs a admin token; yours is {role}"
    assert api.registry.device("s9") is None
