"""A standby's API port (ha.enabled): 503 everywhere, so load balancers route to the active."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.standby import create_standby_app


def test_a_standby_answers_503_with_its_role_and_the_active_instance() -> None:
    active: list[str | None] = ["gw-1"]
    app = create_standby_app(
        instance="gw-2", active=lambda: active[0], render_metrics=lambda: b"siteguard_ha_active 0\n"
    )
    with TestClient(app) as client:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["role"] == "standby"
        assert (health.json()["instance"], health.json()["active"]) == ("gw-2", "gw-1")

        for method, path in (("GET", "/api/v1/alarms"), ("POST", "/api/v1/ingest/onenet")):
            answer = client.request(method, path, json={"x": 1})
            assert answer.status_code == 503
            assert answer.headers["retry-after"] == "2"
            assert "standby" in answer.json()["detail"]

        assert client.get("/metrics").text == "siteguard_ha_active 0\n"
        active[0] = None  # the lease ran out: a takeover is due
        assert client.get("/healthz").json()["active"] is None
