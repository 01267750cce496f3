from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest
from fastapi.testclient import TestClient

from alerting.model import Alarm, AlarmError, AlarmNotFound
from gateway.store import schema
from gateway.store.alarms import alarm_row
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import bearer

T = 1_790_000_000_000


def alarm(
    id_: str,
    kind: str,
    severity: str,
    *,
    building: str = "B1",
    device: str | None = "d1",
    status: str = "active",
    opened: int = 0,
) -> Alarm:
    return Alarm(
        id=id_,
        kind=kind,
        severity=severity,
        status=status,
        building_id=building,
        device_id=device,
        device_ids=(device,) if device else ("s1", "s2"),
        opened_ms=T + opened,
        updated_ms=T + opened,
        latched=kind == "fire",
    )


@pytest.fixture
def client(api: Api, make_client: Callable[[], TestClient]) -> TestClient:
    api.insert(
        schema.buildings,
        [{"building_id": b, "auto": True, "created_ms": 0, "updated_ms": 0} for b in ("B1", "B2")],
    )
    api.insert(
        schema.devices,
        [
            {
                "device_id": "d1",
                "device_type": "smoke",
                "building_id": "B1",
                "online": True,
                "auto": True,
                "created_ms": 0,
                "updated_ms": 0,
            },
        ],
    )
    api.insert(
        schema.alarms,
        [
            alarm_row(a)
            for a in (
                alarm("A1", "smoke", "warning", opened=1000),
                alarm("A2", "fire", "critical", device=None, opened=2000),
                alarm("A3", "low_battery", "info", opened=3000),
                alarm("A4", "smoke", "warning", opened=500, status="cleared"),
                alarm("A5", "gas", "critical", building="B2", device="g9", opened=4000),
            )
        ],
    )
    return make_client()


def ids(client: TestClient, **params: object) -> list[str]:
    response = client.get("/api/v1/alarms", headers=ADMIN, params=params)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["items"]]


def test_list_defaults_to_active_most_severe_then_newest(client: TestClient) -> None:
    assert ids(client) == ["A5", "A2", "A1", "A3"]
    assert ids(client, status="cleared") == ["A4"]
    assert ids(client, status="all", building="B1") == ["A2", "A1", "A4", "A3"]
    assert ids(client, kind="smoke", status="all") == ["A1", "A4"]
    assert ids(client, limit=2, offset=1) == ["A2", "A1"]
    assert client.get("/api/v1/alarms", headers=ADMIN, params={"kind": "meteor"}).status_code == 422


def test_alarm_object_has_the_contract_fields(client: TestClient) -> None:
    body = client.get("/api/v1/alarms/A2", headers=ADMIN).json()
    assert {
        "id",
        "kind",
        "severity",
        "status",
        "building_id",
        "device_ids",
        "opened_at",
        "updated_at",
        "acknowledged_at",
        "cleared_at",
        "count",
        "ticket_id",
    } <= set(body)
    assert (
        body["device_ids"] == ["s1", "s2"] and body["ticket_id"] is None and body["latched"] is True
    )
    assert body["opened_at"].endswith("Z")
    assert client.get("/api/v1/alarms/NOPE", headers=ADMIN).status_code == 404


def test_active_alarm_counts_on_buildings_and_devices(client: TestClient) -> None:
    buildings = {
        b["building_id"]: b for b in client.get("/api/v1/buildings", headers=ADMIN).json()["items"]
    }
    assert buildings["B1"]["active_alarms"] == 3 and buildings["B2"]["active_alarms"] == 1
    device = client.get("/api/v1/devices/d1", headers=ADMIN).json()
    assert device["active_alarms"] == 2  # its smoke and low battery; the fire is the building's


def test_ack_goes_to_the_gateway_with_verdict_and_note(client: TestClient, api: Api) -> None:
    api.alarms.result = msgspec.structs.replace(
        alarm("A1", "smoke", "warning"), verdict="real", acknowledged_ms=T
    )
    response = client.post(
        "/api/v1/alarms/A1/ack", headers=ADMIN, json={"verdict": "real", "note": "已到场"}
    )
    assert response.status_code == 200
    assert response.json()["verdict"] == "real" and response.json()["acknowledged_at"] is not None
    assert api.alarms.calls == [
        ("ack", "A1", {"verdict": "real", "note": "已到场", "by": "admin (config)"})
    ]


@pytest.mark.parametrize("body", [{}, {"verdict": "maybe"}, {"verdict": "real", "extra": 1}])
def test_ack_body_is_validated(client: TestClient, body: dict[str, object]) -> None:
    response = client.post("/api/v1/alarms/A1/ack", headers=ADMIN, json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (AlarmError("alarm A1 (smoke, warning) does not latch"), 409),
        (AlarmNotFound("alarm A1 not found"), 404),
    ],
)
def test_gateway_refusals_become_statuses_with_reasons(
    client: TestClient, api: Api, error: AlarmError, status: int
) -> None:
    api.alarms.result = error
    response = client.post("/api/v1/alarms/A1/clear", headers=ADMIN, json={"note": "x"})
    assert response.status_code == status
    assert response.json() == {"detail": str(error)}


def test_unknown_alarm_is_404_before_reaching_the_gateway(client: TestClient, api: Api) -> None:
    response = client.post("/api/v1/alarms/NOPE/ack", headers=ADMIN, json={"verdict": "test"})
    assert response.status_code == 404
    assert api.alarms.calls == []


def test_a_manager_sees_only_the_alarms_of_their_buildings(client: TestClient) -> None:
    manager = bearer(client, "manager", ["B2"])
    answer = client.get("/api/v1/alarms", headers=manager, params={"status": "all"})
    assert [a["id"] for a in answer.json()["items"]] == ["A5"] and answer.json()["total"] == 1
    asked = client.get("/api/v1/alarms", headers=manager, params={"building": "B1"})
    assert asked.json() == {"items": [], "total": 0}  # asking does not widen the scope
    assert client.get("/api/v1/alarms/A5", headers=manager).status_code == 200
    outside = client.get("/api/v1/alarms/A1", headers=manager)
    assert outside.status_code == 404 and outside.json() == {"detail": "alarm 'A1' not found"}


def test_managers_read_alarms_but_only_operators_act_on_them(client: TestClient, api: Api) -> None:
    manager = bearer(client, "manager", ["B1"])
    ack = client.post("/api/v1/alarms/A1/ack", headers=manager, json={"verdict": "real"})
    assert ack.status_code == 403
    assert ack.json() == {"detail": "this needs a admin or duty token; yours is manager"}
    assert client.post("/api/v1/alarms/A2/clear", headers=manager, json={}).status_code == 403
    assert api.alarms.calls == []
    api.alarms.result = msgspec.structs.replace(
        alarm("A2", "fire", "critical", device=None), status="cleared", cleared_ms=T
    )
    duty = bearer(client, "duty")
    cleared = client.post("/api/v1/alarms/A2/clear", headers=duty)  # the body is optional
    assert cleared.status_code == 200 and cleared.json()["status"] == "cleared"
    assert api.alarms.calls == [("clear", "A2", {"note": None, "by": "duty test"})]


def test_without_a_token_nothing_reaches_the_gateway(client: TestClient, api: Api) -> None:
    response = client.post("/api/v1/alarms/A1/clear", json={})
    assert response.status_code == 401
    assert api.alarms.calls == []


def test_since_and_until_bound_the_opening_time(client: TestClient) -> None:
    """The console's history view: alarms opened in [since, until), any status."""
    from core.timefmt import rfc3339

    def at(offset: int) -> str:
        return str(rfc3339(T + offset))

    assert ids(client, status="all", since=at(1000)) == ["A5", "A2", "A1", "A3"]
    assert ids(client, status="all", since=at(1000), until=at(3000)) == ["A2", "A1"]
    assert ids(client, status="all", until=at(1000)) == ["A4"]
    assert ids(client, status="cleared", since=at(0), until=at(600)) == ["A4"]
    bad = client.get("/api/v1/alarms", headers=ADMIN, params={"since": "yesterday"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("since: ")
    naive = client.get("/api/v1/alarms", headers=ADMIN, params={"until": "2026-09-21T10:00:00"})
    assert naive.status_code == 422 and "time zone" in naive.json()["detail"]
