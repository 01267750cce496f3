"""``/api/v1/dead_letters`` (admin): rejected messages, why, and their raw bytes."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import T0, bearer


def letter(n: int, topic: str, reason: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"01D{n:03d}",
        "received_ms": T0 + n,
        "source": "mqtt",
        "adapter": "canonical",
        "topic": topic,
        "reason": reason,
        "detail": f"detail {n}",
        "device_id": None,
        "building_id": None,
        "payload": f"payload {n}".encode(),
        "product": None,
        **fields,
    }


@pytest.fixture
def letters(api: Api) -> None:
    api.insert(
        schema.dead_letters,
        [
            letter(1, "siteguard/v1/B1/smoke/s1/event", "not_json", device_id="s1",
                   building_id="B1", payload=b"\xff\x00 not json"),
            letter(2, "siteguard/v1/B2/gas/g1/telemetry", "out_of_range:lel_pct",
                   building_id="B2"),
            letter(3, "siteguard/v1/vendor/ctwing/http", "unknown_fields", source="http",
                   adapter="ctwing"),
            letter(4, "siteguard/v1/B_1/smoke/s9/event", "not_json", building_id="B_1"),
        ],
    )  # fmt: skip


def ids(client: TestClient, **params: object) -> list[str]:
    answer = client.get("/api/v1/dead_letters", headers=ADMIN, params=params)
    assert answer.status_code == 200, answer.text
    return [d["id"] for d in answer.json()["items"]]


@pytest.mark.usefixtures("letters")
def test_newest_first_with_the_raw_bytes(client: TestClient) -> None:
    assert ids(client) == ["01D004", "01D003", "01D002", "01D001"]
    oldest = client.get("/api/v1/dead_letters", headers=ADMIN, params={"offset": 3}).json()
    assert oldest["total"] == 4
    (item,) = oldest["items"]
    assert base64.b64decode(item["payload_b64"]) == b"\xff\x00 not json"
    assert item == {
        "id": "01D001",
        "received_at": "2026-09-21T14:13:20.001Z",
        "source": "mqtt",
        "adapter": "canonical",
        "topic": "siteguard/v1/B1/smoke/s1/event",
        "reason": "not_json",
        "detail": "detail 1",
        "device_id": "s1",
        "building_id": "B1",
        "payload_b64": item["payload_b64"],
    }


@pytest.mark.usefixtures("letters")
def test_filters_and_a_topic_prefix_taken_literally(client: TestClient) -> None:
    assert ids(client, reason="not_json") == ["01D004", "01D001"]
    assert ids(client, building="B2") == ["01D002"]
    assert ids(client, topic_prefix="siteguard/v1/vendor/") == ["01D003"]
    # "_" and "%" are not wildcards: B_1 is not B1, and "%" matches nothing here.
    assert ids(client, topic_prefix="siteguard/v1/B_1/") == ["01D004"]
    assert ids(client, topic_prefix="siteguard/v1/B%") == []
    assert ids(client, reason="not_json", building="B1") == ["01D001"]


@pytest.mark.usefixtures("letters")
def test_only_an_admin_reads_dead_letters(client: TestClient) -> None:
    for role, buildings in (("duty", None), ("manager", ["B1"])):
        answer = client.get("/api/v1/dead_letters", headers=bearer(client, role, buildings))
        assert answer.status_code == 403
        assert answer.json() == {"detail": f"this needs a admin token; yours is {role}"}
    assert client.get("/api/v1/dead_letters").status_code == 401


@pytest.mark.parametrize("params", [{"limit": "many"}, {"limit": 0}, {"offset": -5}])
def test_paging_is_validated(client: TestClient, params: dict[str, object]) -> None:
    answer = client.get("/api/v1/dead_letters", headers=ADMIN, params=params)
    assert answer.status_code == 422 and answer.json()["detail"].startswith("query.")
