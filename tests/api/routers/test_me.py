"""``GET /api/v1/me``: who the token is, which the web pages decide what to show by."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import ADMIN
from tests.api.routers.conftest import bearer


def test_each_role_is_told_who_it_is(client: TestClient) -> None:
    assert client.get("/api/v1/me", headers=ADMIN).json() == {
        "name": "admin (config)",
        "role": "admin",
        "buildings": None,
        "communities": None,
    }
    assert client.get("/api/v1/me", headers=bearer(client, "duty")).json() == {
        "name": "duty test",
        "role": "duty",
        "buildings": None,
        "communities": None,
    }
    manager = bearer(client, "manager", ["B9", "B1"])
    assert client.get("/api/v1/me", headers=manager).json() == {
        "name": "manager test",
        "role": "manager",
        "buildings": ["B1", "B9"],
        "communities": None,
    }


def test_without_a_valid_token_it_is_401(client: TestClient) -> None:
    missing = client.get("/api/v1/me")
    assert missing.status_code == 401 and missing.json() == {"detail": "missing bearer token"}
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer sg_nope"})
    assert wrong.status_code == 401


def test_it_takes_no_parameters_that_could_change_the_answer(client: TestClient) -> None:
    answer = client.get("/api/v1/me", headers=ADMIN, params={"role": "manager"})
    assert answer.status_code == 200 and answer.json()["role"] == "admin"
