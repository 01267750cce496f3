"""``api/auth.py``: bearer tokens looked up by digest, roles, a manager's building scope,
expiry and revocation, and what a refusal says (401: who are you; 403: not with this role;
404: not in your buildings). There is no inspector role (yet): such a token cannot be made.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api import create_app
from api.auth import Principal, lookup
from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import bearer, building_row

DAY_MS = 86_400_000
UNKNOWN = {"detail": "invalid token (unknown, revoked or expired)"}


@pytest.fixture
def client(api: Api, make_client: Callable[[], TestClient]) -> TestClient:
    api.insert(schema.buildings, [building_row("B1"), building_row("B2")])
    return make_client()


def made(client: TestClient, **body: object) -> dict[str, str]:
    answer = client.post("/api/v1/tokens", headers=ADMIN, json={"name": "t", **body})
    assert answer.status_code == 201, answer.text
    created: dict[str, str] = answer.json()
    return created


def me(client: TestClient, token: str) -> tuple[int, object]:
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, answer.json()


# ---- who you are: 401 --------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic YWRtaW46YWRtaW4="}, {"Authorization": "Bearer"},
     {"Authorization": "admin-secret"}],
)  # fmt: skip
def test_no_bearer_token_is_401_asking_for_one(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.get("/api/v1/buildings", headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"detail": "missing bearer token"}
    assert answer.headers["www-authenticate"] == "Bearer"


def test_an_unknown_token_is_401_without_saying_which_check_failed(client: TestClient) -> None:
    answer = client.get("/api/v1/buildings", headers={"Authorization": "Bearer sg_guess"})
    assert (answer.status_code, answer.json()) == (401, UNKNOWN)
    assert answer.headers["www-authenticate"] == "Bearer"


def test_a_token_is_looked_up_by_its_digest_only(client: TestClient, api: Api) -> None:
    token = made(client, role="duty")["token"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    with api.engine.connect() as conn:
        assert conn.execute(sa.select(schema.tokens.c.token_hash)).scalar_one() == digest
    context = api.app.state.context
    found = lookup(context, digest, now_ms=api.clock.now_ms())
    assert found is not None and (found.name, found.role, found.buildings) == ("t", "duty", None)
    assert lookup(context, token, now_ms=api.clock.now_ms()) is None  # the value is no key
    assert me(client, token.upper())[0] == 401  # nor is anything but the exact value


def test_a_row_with_an_unknown_role_or_an_unscoped_manager_fails_closed(
    client: TestClient, api: Api
) -> None:
    """Rows the API would refuse to write, put straight into the database."""
    for building in ("B1", "B2"):
        put = client.put(f"/api/v1/buildings/{building}", headers=ADMIN, json={"name": building})
        assert put.status_code in (200, 201), put.text
    odd = made(client, role="duty")
    manager = made(client, role="manager", buildings=["B1"])
    t = schema.tokens
    with api.engine.begin() as conn:
        conn.execute(sa.update(t).where(t.c.id == odd["id"]).values(role="superuser"))
        conn.execute(sa.update(t).where(t.c.id == manager["id"]).values(buildings=None))
    assert me(client, odd["token"]) == (401, UNKNOWN)
    seen = client.get("/api/v1/buildings", headers={"Authorization": f"Bearer {manager['token']}"})
    assert seen.status_code == 200 and seen.json()["items"] == []


def test_revoked_and_expired_tokens_answer_like_unknown_ones(client: TestClient, api: Api) -> None:
    revoked = made(client, role="duty")
    expiring = made(client, role="duty", expires_in_days=1)
    assert me(client, revoked["token"])[0] == 200 and me(client, expiring["token"])[0] == 200
    assert client.delete(f"/api/v1/tokens/{revoked['id']}", headers=ADMIN).status_code == 204
    assert me(client, revoked["token"]) == (401, UNKNOWN)
    api.clock.advance(DAY_MS - 1)
    assert me(client, expiring["token"])[0] == 200  # the last millisecond
    api.clock.advance(1)
    assert me(client, expiring["token"]) == (401, UNKNOWN)  # expired at its time exactly


def test_the_configured_admin_token_is_admin_and_can_be_switched_off(
    client: TestClient, api: Api
) -> None:
    assert client.get("/api/v1/me", headers=ADMIN).json() == {
        "name": "admin (config)",
        "role": "admin",
        "buildings": None,
        "communities": None,
    }
    duty = made(client, role="duty")["token"]
    context = dataclasses.replace(api.app.state.context, admin_token=None)
    with TestClient(create_app(context=context)) as without:
        assert without.get("/api/v1/me", headers=ADMIN).json() == UNKNOWN
        assert (
            without.get("/api/v1/me", headers={"Authorization": f"Bearer {duty}"}).json()["role"]
            == "duty"
        )  # tokens in the store still work


def test_a_role_that_does_not_exist_is_refused(client: TestClient, api: Api) -> None:
    answer = client.post("/api/v1/tokens", headers=ADMIN, json={"name": "i", "role": "auditor"})
    assert answer.status_code == 422 and answer.json()["detail"].startswith("role: ")
    with api.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.tokens)).scalar() == 0


# ---- what your role may do: 403 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "method", "path", "needs"),
    [
        ("duty", "GET", "/api/v1/tokens", "admin"),
        ("duty", "GET", "/api/v1/audit", "admin"),
        ("duty", "PUT", "/api/v1/buildings/B1", "admin"),
        ("manager", "POST", "/api/v1/alarms/A1/ack", "admin or duty"),
        ("manager", "POST", "/api/v1/tickets", "admin or duty"),
        ("manager", "GET", "/api/v1/dead_letters", "admin"),
    ],
)
def test_a_role_that_may_not_is_403_saying_which_may(
    client: TestClient, role: str, method: str, path: str, needs: str
) -> None:
    headers = bearer(client, role, ["B1"] if role == "manager" else None)
    answer = client.request(method, path, headers=headers, json={})
    assert answer.status_code == 403
    assert answer.json() == {"detail": f"this needs a {needs} token; yours is {role}"}


def test_the_role_is_checked_before_the_body(client: TestClient) -> None:
    """A manager learns nothing about what a valid body would be."""
    manager = bearer(client, "manager", ["B1"])
    answer = client.post("/api/v1/alarms/A1/ack", headers=manager, json={"verdict": "maybe"})
    assert answer.status_code == 403


# ---- what your buildings are: 404 outside them -------------------------------------------


def test_a_manager_is_scoped_and_a_duty_officer_is_not(client: TestClient) -> None:
    manager = bearer(client, "manager", ["B1"])
    assert [b["building_id"] for b in client.get("/api/v1/buildings", headers=manager).json()[
        "items"
    ]] == ["B1"]  # fmt: skip
    outside = client.get("/api/v1/buildings/B2", headers=manager)
    assert outside.status_code == 404 and outside.json() == {"detail": "building 'B2' not found"}
    duty = bearer(client, "duty")
    assert client.get("/api/v1/buildings/B2", headers=duty).status_code == 200


def test_principal_sees() -> None:
    scoped = Principal(name="m", role="manager", buildings=frozenset({"B1"}))
    assert scoped.sees("B1") and not scoped.sees("B2")
    assert not Principal(name="m", role="manager", buildings=frozenset()).sees("B1")
    assert Principal(name="d", role="duty").sees("anything")


def test_the_actor_carries_the_token_and_the_address(client: TestClient) -> None:
    created = made(client, role="admin", name="二号管理员")
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.put("/api/v1/buildings/B9", headers=headers, json={}).status_code == 201
    entry = client.get("/api/v1/audit", headers=ADMIN, params={"action": "building.put"}).json()
    (item,) = entry["items"]
    assert (item["actor"], item["role"], item["token_id"], item["address"]) == (
        "二号管理员",
        "admin",
        created["id"],
        "testclient",
    )


# ---- guessing ----------------------------------------------------------------------------


def test_only_wrong_tokens_count_towards_the_sign_in_limit(client: TestClient) -> None:
    duty = bearer(client, "duty")
    for _ in range(30):  # a page polling before sign-in, and a signed-in officer
        assert client.get("/api/v1/buildings").status_code == 401
        assert client.get("/api/v1/buildings", headers=duty).status_code == 200
    wrong = {"Authorization": "Bearer sg_wrong"}
    codes = [client.get("/api/v1/buildings", headers=wrong).status_code for _ in range(21)]
    assert codes == [401] * 20 + [429]


def test_use_is_remembered_for_the_last_used_time(client: TestClient, api: Api) -> None:
    created = made(client, role="duty")
    assert me(client, created["token"])[0] == 200
    assert me(client, "admin-secret")[0] == 200  # the configured token has no row to date
    assert api.app.state.context.token_usage.take() == {created["id"]: api.clock.now_ms()}
