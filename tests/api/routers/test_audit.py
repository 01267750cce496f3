"""``/api/v1/audit`` (admin): who changed what, newest first, with the target before and after;
filtered by target, action, actor and time."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.audit import Actor, audit_row
from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import T0, bearer

DUTY = Actor(name="值班 李", role="duty", token_id="01TOKEN", address="10.0.0.8")


@pytest.fixture
def log(api: Api) -> None:
    api.insert(
        schema.audit_log,
        [
            audit_row(entry_id="01A1", at_ms=T0, actor=DUTY, action="alarm.acknowledge",
                      target_kind="alarm", target_id="AL1", before={"verdict": None},
                      after={"verdict": "real"}),
            audit_row(entry_id="01A2", at_ms=T0 + 60_000, actor=DUTY, action="ticket.move",
                      target_kind="ticket", target_id="T1", before={"status": "open"},
                      after={"status": "assigned"}),
            audit_row(entry_id="01A3", at_ms=T0 + 120_000, actor=Actor(name="cli:root",
                      role="admin"), action="building.put", target_kind="building",
                      target_id="B1", after={"name": "1号楼"}),
        ],
    )  # fmt: skip


def ids(client: TestClient, **params: Any) -> list[str]:
    answer = client.get("/api/v1/audit", headers=ADMIN, params=params)
    assert answer.status_code == 200, answer.text
    return [e["id"] for e in answer.json()["items"]]


@pytest.mark.usefixtures("log")
def test_newest_first_with_before_and_after(client: TestClient) -> None:
    body = client.get("/api/v1/audit", headers=ADMIN).json()
    assert body["total"] == 3 and [e["id"] for e in body["items"]] == ["01A3", "01A2", "01A1"]
    assert body["items"][2] == {
        "id": "01A1",
        "at": "2026-09-21T14:13:20.000Z",
        "actor": "值班 李",
        "role": "duty",
        "token_id": "01TOKEN",
        "address": "10.0.0.8",
        "action": "alarm.acknowledge",
        "target_kind": "alarm",
        "target_id": "AL1",
        "before": {"verdict": None},
        "after": {"verdict": "real"},
    }
    assert body["items"][0]["before"] is None  # created: there was nothing before


@pytest.mark.usefixtures("log")
def test_filters(client: TestClient) -> None:
    assert ids(client, target_kind="ticket") == ["01A2"]
    assert ids(client, target_kind="alarm", target_id="AL1") == ["01A1"]
    assert ids(client, action="building.put") == ["01A3"]
    assert ids(client, actor="值班 李") == ["01A2", "01A1"]
    assert ids(client, since="2026-09-21T14:14:20Z") == ["01A3", "01A2"]  # inclusive
    assert ids(client, until="2026-09-21T14:14:20Z") == ["01A1"]  # exclusive
    assert ids(client, since="2026-09-21T22:14:00+08:00", until="2026-09-21T22:15:00+08:00") == [
        "01A2"
    ]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"since": "yesterday"}, "since: "),
        ({"until": "2026-13-01T00:00:00Z"}, "until: "),
        ({"target_kind": "k" * 17}, "query.target_kind: "),
        ({"action": "a" * 33}, "query.action: "),
        ({"limit": 0}, "query.limit: "),
    ],
)
def test_filters_are_validated(client: TestClient, params: dict[str, Any], says: str) -> None:
    answer = client.get("/api/v1/audit", headers=ADMIN, params=params)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(says)


@pytest.mark.usefixtures("log")
def test_only_an_admin_reads_the_audit_log(client: TestClient) -> None:
    for role, buildings in (("duty", None), ("manager", ["B1"])):
        answer = client.get("/api/v1/audit", headers=bearer(client, role, buildings))
        assert answer.status_code == 403
        assert answer.json() == {"detail": f"this needs a admin token; yours is {role}"}


def test_the_api_audits_its_own_changes_with_the_callers_address(client: TestClient) -> None:
    made = client.post("/api/v1/tokens", headers=ADMIN, json={"name": "t", "role": "duty"})
    (entry,) = client.get("/api/v1/audit", headers=ADMIN).json()["items"]
    assert (entry["action"], entry["target_id"], entry["actor"], entry["address"]) == (
        "token.create",
        made.json()["id"],
        "admin (config)",
        "testclient",
    )
    assert "token_hash" not in entry["after"] and made.json()["token"] not in str(entry)
