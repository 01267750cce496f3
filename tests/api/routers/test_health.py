"""``/healthz`` and ``/metrics``: no token, for the load balancer and Prometheus."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Api


def test_ready_is_200_and_each_problem_makes_it_503(client: TestClient, api: Api) -> None:
    ok = client.get("/healthz")
    assert ok.status_code == 200 and ok.json() == {"status": "ok", "problems": []}
    api.problems.extend(["mqtt: not subscribed", "database: unavailable"])
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json() == {
        "status": "unavailable",
        "problems": ["mqtt: not subscribed", "database: unavailable"],
    }
    api.problems.clear()
    assert client.get("/healthz").status_code == 200  # asked each time, not remembered


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.text == "siteguard_x 1\n"
    assert answer.headers["content-type"].startswith("text/plain; version=")


def test_a_token_is_neither_needed_nor_checked(client: TestClient) -> None:
    wrong = {"Authorization": "Bearer sg_wrong"}
    assert client.get("/healthz", headers=wrong).status_code == 200
    assert client.get("/metrics", headers=wrong).status_code == 200


def test_only_get(client: TestClient) -> None:
    assert client.post("/healthz").status_code == 405
    assert client.delete("/metrics").status_code == 405
