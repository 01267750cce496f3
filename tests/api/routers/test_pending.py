"""``/api/v1/pending_devices`` (admin): devices vendor platforms report that the registry does
not know, their messages held; discarding what is held for one identifier, audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import T0, bearer


def held(n: int, identifier: str, at: int, summary: str | None, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"01P{n:03d}",
        "adapter": "ctwing",
        "identifier": identifier,
        "device_type": "smoke",
        "summary": summary,
        "received_ms": T0 + at,
        "source": "http",
        "topic": "siteguard/v1/vendor/ctwing/http",
        "payload": b"{}",
        **fields,
    }


@pytest.fixture
def pending(api: Api) -> None:
    api.insert(
        schema.pending_messages,
        [
            held(1, "860000000000001", 1000, "heartbeat"),
            held(2, "860000000000001", 5000, "alarm"),
            held(3, "24E124126B316D27", 3000, None, adapter="milesight", device_type="gas"),
            held(4, "860000000000002", 2000, "fault"),
        ],
    )


@pytest.mark.usefixtures("pending")
def test_one_line_per_identifier_most_recently_heard_first(client: TestClient) -> None:
    body = client.get("/api/v1/pending_devices", headers=ADMIN).json()
    assert body["total"] == 3
    first, second, third = body["items"]
    assert first == {
        "identifier": "860000000000001",
        "adapter": "ctwing",
        "device_type": "smoke",
        "messages": 2,
        "first_seen": "2026-09-21T14:13:21.000Z",
        "last_seen": "2026-09-21T14:13:25.000Z",
        "last_summary": "alarm",  # what the latest said
    }
    assert (second["identifier"], second["adapter"], second["last_summary"]) == (
        "24E124126B316D27",
        "milesight",
        None,
    )
    assert third["identifier"] == "860000000000002"
    page = client.get("/api/v1/pending_devices", headers=ADMIN, params={"limit": 1, "offset": 2})
    assert [p["identifier"] for p in page.json()["items"]] == ["860000000000002"]
    assert page.json()["total"] == 3


@pytest.mark.usefixtures("pending")
def test_discarding_drops_what_is_held_and_is_audited(client: TestClient, api: Api) -> None:
    assert (
        client.delete("/api/v1/pending_devices/860000000000001", headers=ADMIN).status_code == 204
    )
    left = client.get("/api/v1/pending_devices", headers=ADMIN).json()["items"]
    assert [p["identifier"] for p in left] == ["24E124126B316D27", "860000000000002"]
    again = client.delete("/api/v1/pending_devices/860000000000001", headers=ADMIN)
    assert again.status_code == 404
    assert again.json() == {"detail": "pending device '860000000000001' not found"}
    with api.engine.connect() as conn:
        (entry,) = conn.execute(sa.select(schema.audit_log)).all()
    assert (entry.action, entry.target_kind, entry.target_id) == (
        "pending.discard",
        "pending",
        "860000000000001",
    )
    assert json.loads(entry.before) == {"messages": 2} and entry.actor == "admin (config)"


@pytest.mark.usefixtures("pending")
def test_only_an_admin_sees_or_discards_held_messages(client: TestClient, api: Api) -> None:
    for role, buildings in (("duty", None), ("manager", ["B1"])):
        headers = bearer(client, role, buildings)
        assert client.get("/api/v1/pending_devices", headers=headers).status_code == 403
        gone = client.delete("/api/v1/pending_devices/860000000000002", headers=headers)
        assert gone.status_code == 403
    with api.engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(schema.pending_messages))
        assert count.scalar() == 4


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}])
def test_paging_is_validated(client: TestClient, params: dict[str, int]) -> None:
    answer = client.get("/api/v1/pending_devices", headers=ADMIN, params=params)
    assert answer.status_code == 422 and answer.json()["detail"].startswith("query.")
