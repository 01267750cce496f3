from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from adapters.events import Event
from gateway.store import schema
from tests.api.conftest import ADMIN, Api


@pytest.fixture
def client(api: Api, make_client: Callable[[], TestClient]) -> TestClient:
    api.insert(
        schema.buildings,
        [
            {
                "building_id": "B1",
                "name": "1号楼",
                "community": "东区",
                "auto": False,
                "created_ms": 0,
                "updated_ms": 0,
            },
            {
                "building_id": "B2",
                "name": None,
                "community": None,
                "auto": True,
                "created_ms": 0,
                "updated_ms": 0,
            },
        ],
    )
    api.insert(
        schema.devices,
        [
            {
                "device_id": f"d{i}",
                "device_type": "gas" if i % 2 else "smoke",
                "building_id": "B1" if i < 5 else "B2",
                "online": i % 3 != 0,
                "last_seen_ms": 1_790_000_000_000 + i,
                "battery_pct": 50.0 + i,
                "rssi": -90.0,
                "auto": True,
                "created_ms": 0,
                "updated_ms": 0,
            }
            for i in range(8)
        ],
    )
    api.insert(
        schema.device_readings,
        [
            {
                "device_id": "d1",
                "at_ms": 1_790_000_000_000 + i * 1000,
                "data": f'{{"lel_pct": {i}.0}}',
            }
            for i in range(3)
        ],
    )
    return make_client()


def test_tokens_are_required(client: TestClient) -> None:
    for path in ("/api/v1/buildings", "/api/v1/devices", "/api/v1/devices/d1"):
        assert client.get(path).status_code == 401
        bad = client.get(path, headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        assert bad.json() == {"detail": "invalid token (unknown, revoked or expired)"}


def test_buildings_with_device_counts(client: TestClient) -> None:
    body = client.get("/api/v1/buildings", headers=ADMIN).json()
    assert body["total"] == 2
    b1, b2 = body["items"]
    assert (b1["building_id"], b1["name"], b1["community"], b1["device_count"]) == (
        "B1",
        "1号楼",
        "东区",
        5,
    )
    assert (b2["building_id"], b2["device_count"], b2["active_alarms"]) == ("B2", 3, 0)


def test_device_filters_and_paging(client: TestClient) -> None:
    def ids(**params: object) -> list[str]:
        body = client.get("/api/v1/devices", headers=ADMIN, params=params).json()
        return [d["device_id"] for d in body["items"]]

    assert ids(building="B2") == ["d5", "d6", "d7"]
    assert ids(type="gas") == ["d1", "d3", "d5", "d7"]
    assert ids(online="false") == ["d0", "d3", "d6"]
    assert ids(building="B1", type="smoke", online="true") == ["d2", "d4"]
    page = client.get("/api/v1/devices", headers=ADMIN, params={"limit": 3, "offset": 3}).json()
    assert page["total"] == 8
    assert [d["device_id"] for d in page["items"]] == ["d3", "d4", "d5"]  # by building, then id
    device = client.get(
        "/api/v1/devices", headers=ADMIN, params={"building": "B1", "limit": 1}
    ).json()["items"][0]
    assert set(device) >= {
        "device_id",
        "device_type",
        "building_id",
        "online",
        "last_seen",
        "battery_pct",
        "rssi",
        "active_alarms",
    }
    expected = datetime.fromtimestamp(1_790_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert device["last_seen"] == expected


def test_validation_errors_say_what_was_wrong(client: TestClient) -> None:
    response = client.get("/api/v1/devices", headers=ADMIN, params={"limit": 5000})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("query.limit: ")
    response = client.get("/api/v1/devices", headers=ADMIN, params={"type": "toaster"})
    assert response.status_code == 422 and "query.type" in response.json()["detail"]


def test_device_detail_with_recent_readings(client: TestClient) -> None:
    body = client.get("/api/v1/devices/d1", headers=ADMIN).json()
    assert body["device_id"] == "d1" and body["battery_pct"] == 51.0
    assert [r["lel_pct"] for r in body["readings"]] == [2.0, 1.0, 0.0]  # newest first
    missing = client.get("/api/v1/devices/nope", headers=ADMIN)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "device 'nope' not found"}


def test_device_status_is_read_live_between_flushes(client: TestClient, api: Api) -> None:
    """The database's status is flushed every few seconds; the API shows what the gateway
    holds now."""
    api.live.observe(
        Event(
            building_id="B1",
            device_id="d3",
            device_type="gas",
            type="reading",
            channel="telemetry",
            received_ms=1_800_000_000_000,
            ts_ms=1_800_000_000_000,
            lel_pct=1.0,
            battery_pct=12.0,
            rssi=-71.0,
        )
    )
    body = client.get("/api/v1/devices/d3", headers=ADMIN).json()
    assert (body["online"], body["battery_pct"], body["rssi"]) == (True, 12.0, -71.0)
    assert body["last_seen"] == "2027-01-15T08:00:00.000Z"
    listed = client.get("/api/v1/devices", params={"building": "B1"}, headers=ADMIN).json()
    by_id = {d["device_id"]: d for d in listed["items"]}
    assert by_id["d3"]["battery_pct"] == 12.0
    assert by_id["d2"]["battery_pct"] == 52.0  # not heard since: the stored copy
