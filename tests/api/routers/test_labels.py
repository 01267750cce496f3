"""``GET /api/v1/labels``: what each alarm kind, severity, ticket category and status is called,
from the one table notifications and reports use; read by the console before sign-in."""

from __future__ import annotations

from fastapi.testclient import TestClient

from alerting.model import KINDS
from alerting.tickets import CATEGORIES, STATUSES


def test_labels_need_no_token_and_name_every_kind(client: TestClient) -> None:
    response = client.get("/api/v1/labels")
    assert response.status_code == 200
    body = response.json()
    assert set(body["alarm_kinds"]) == set(KINDS)
    assert set(body["severities"]) == {"info", "warning", "critical"}
    assert set(body["ticket_categories"]) == set(CATEGORIES)
    assert set(body["ticket_statuses"]) == set(STATUSES)
    assert body["alarm_kinds"]["fire"] == {"zh": "火警确认", "en": "Fire confirmed"}
    assert body["ticket_statuses"]["closed"]["zh"] == "已销号"


def test_labels_may_be_cached_and_take_no_writes(client: TestClient) -> None:
    response = client.get("/api/v1/labels", headers={"Authorization": "Bearer sg_wrong"})
    assert response.status_code == 200  # a stale token does not matter here
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert client.post("/api/v1/labels", json={}).status_code == 405


def test_venue_types_are_named_as_the_contract_lists_them(client: TestClient) -> None:
    venues = client.get("/api/v1/labels").json()["venue_types"]
    assert list(venues)[:9] == [  # the 九小场所 first
        "school", "clinic", "shop", "restaurant", "hotel", "entertainment", "internet_cafe",
        "bathhouse", "workshop",
    ]  # fmt: skip
    assert set(venues) - set(list(venues)[:9]) == {
        "residential",
        "high_rise_residential",
        "self_built",
        "old_compound",
        "other",
    }
    assert venues["internet_cafe"] == {"zh": "小网吧", "en": "Internet café"}
