"""``/api/v1/tokens`` (admin): create one (its value shown once, only a digest kept), list
them, revoke one. Sign-in with them: tests/api/test_auth.py."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import T0, bearer

DAY_MS = 86_400_000


def test_a_new_token_is_shown_once_and_kept_as_a_digest(client: TestClient, api: Api) -> None:
    api.clock.set(T0)
    made = client.post(
        "/api/v1/tokens",
        headers=ADMIN,
        json={"name": "物业 王", "role": "manager", "buildings": ["B2", "B1", "B2"],
              "expires_in_days": 30},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    body = made.json()
    token = body.pop("token")
    assert token.startswith("sg_") and len(token) > 40
    assert body == {
        "id": body["id"],
        "name": "物业 王",
        "role": "manager",
        "buildings": ["B1", "B2"],  # sorted, once each
        "communities": None,
        "created_at": "2026-09-21T14:13:20.000Z",
        "revoked_at": None,
        "expires_at": "2026-10-21T14:13:20.000Z",
        "last_used_at": None,
    }
    with api.engine.connect() as conn:
        row = conn.execute(sa.select(schema.tokens)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(tuple(row))  # the value itself is stored nowhere
    listed = client.get("/api/v1/tokens", headers=ADMIN).json()
    assert listed["total"] == 1 and listed["items"] == [body]  # never the value again


def test_tokens_are_listed_oldest_first_and_revoked_once(client: TestClient, api: Api) -> None:
    first = client.post("/api/v1/tokens", headers=ADMIN, json={"name": "a", "role": "duty"})
    api.clock.advance(1000)
    second = client.post("/api/v1/tokens", headers=ADMIN, json={"name": "b", "role": "admin"})
    listed = client.get("/api/v1/tokens", headers=ADMIN).json()["items"]
    assert [t["name"] for t in listed] == ["a", "b"]
    assert [t["buildings"] for t in listed] == [None, None]
    token_id = first.json()["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=ADMIN).status_code == 204
    again = client.delete(f"/api/v1/tokens/{token_id}", headers=ADMIN)
    assert again.status_code == 404 and again.json() == {"detail": f"token {token_id!r} not found"}
    assert client.delete("/api/v1/tokens/NOPE", headers=ADMIN).status_code == 404
    listed = {t["name"]: t for t in client.get("/api/v1/tokens", headers=ADMIN).json()["items"]}
    assert listed["a"]["revoked_at"] is not None and listed["b"]["revoked_at"] is None
    revoked = {"Authorization": f"Bearer {first.json()['token']}"}
    assert client.get("/api/v1/me", headers=revoked).status_code == 401
    still = {"Authorization": f"Bearer {second.json()['token']}"}
    assert client.get("/api/v1/me", headers=still).status_code == 200


def test_a_manager_with_no_buildings_sees_nothing(client: TestClient) -> None:
    nobody = bearer(client, "manager")  # no list: an empty scope, not every building
    assert client.get("/api/v1/me", headers=nobody).json()["buildings"] == []
    assert client.get("/api/v1/buildings", headers=nobody).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"name": "x", "role": "duty", "buildings": ["B1"]},
         "buildings: only manager tokens have a building scope, not duty"),
        ({"name": "x", "role": "auditor"}, "role: "),  # no such role
        ({"name": "x", "role": "duty", "communities": ["东园"]}, "only inspector tokens"),
        ({"name": "x", "role": "inspector", "communities": [""]}, "communities.0: "),
        ({"name": "", "role": "duty"}, "name: "),
        ({"name": "x\ny", "role": "duty"}, "name: "),
        ({"name": "x", "role": "manager", "buildings": ["B 1"]}, "buildings.0: "),
        ({"name": "x", "role": "duty", "expires_in_days": 3651}, "expires_in_days: "),
        ({"name": "x", "role": "duty", "scopes": ["all"]}, "scopes: Extra inputs"),
    ],
)  # fmt: skip
def test_creation_is_validated(
    client: TestClient, api: Api, body: dict[str, object], says: str
) -> None:
    answer = client.post("/api/v1/tokens", headers=ADMIN, json=body)
    assert answer.status_code == 422
    assert says in answer.json()["detail"]
    with api.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.tokens)).scalar() == 0


def test_only_an_admin_manages_tokens(client: TestClient) -> None:
    duty = bearer(client, "duty")
    manager = bearer(client, "manager", ["B1"])
    for headers, role in ((duty, "duty"), (manager, "manager")):
        refused = [
            client.post("/api/v1/tokens", headers=headers, json={"name": "x", "role": "admin"}),
            client.get("/api/v1/tokens", headers=headers),
            client.delete("/api/v1/tokens/ANY", headers=headers),
        ]
        assert [r.status_code for r in refused] == [403, 403, 403]
        assert refused[0].json() == {"detail": f"this needs a admin token; yours is {role}"}
    admin = bearer(client, "admin")  # an admin token made by the API may, too
    assert client.get("/api/v1/tokens", headers=admin).json()["total"] == 3
