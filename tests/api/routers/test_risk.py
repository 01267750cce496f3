"""``/api/v1/risk``: buildings ranked by risk with every factor, the community filter, the
token's scope (another's building is 404), and one building's trend month over month."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.config.risk import FACTORS
from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import bearer, building_row, device_row

DAY = 86_400_000


def alarm_row(building_id: str, kind: str, at: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"{building_id}-{kind}-{at}"[:26], "kind": kind, "severity": "critical",
        "status": "cleared", "identity": f"{building_id}/{kind}/{at}", "building_id": building_id,
        "device_ids": "[]", "opened_ms": at, "updated_ms": at, "count": 1, "latched": True,
        "held": False, "verdict": "real", **fields,
    }  # fmt: skip


@pytest.fixture
def street(api: Api) -> int:
    api.clock.advance(10 * DAY)  # 2026-01-11
    now = api.clock.now_ms()
    api.insert(
        schema.buildings,
        [
            building_row("F1", name="火灾楼", community="东园", venue_type="residential"),
            building_row("R1", name="饭馆", community="东园", venue_type="restaurant"),
            building_row("Q1", name="安静楼", community="西园", venue_type="residential"),
        ],
    )
    api.insert(schema.devices, [device_row("s1", "R1"), device_row("s2", "Q1")])
    api.insert(schema.alarms, [alarm_row("F1", "fire", now - 15 * DAY)])  # in December
    return now


def test_ranked_with_every_factor(client: TestClient, street: int) -> None:
    got = client.get("/api/v1/risk", headers=ADMIN)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["total"] == 3 and body["window_days"] == 30
    items = body["items"]
    assert [i["building_id"] for i in items] == ["F1", "R1", "Q1"]
    fire = items[0]
    assert fire["level"] == "orange" and fire["lifted_by"] == "fires"
    assert set(fire["factors"]) == set(FACTORS)
    fires = fire["factors"]["fires"]
    assert (fires["value"], fires["sub_score"], fires["weight"]) == (1.0, 1.0, 25.0)
    assert fires["points"] > 0 and fires["detail"] is None
    assert fire["previous_level"] == "orange"  # December had the fire too
    restaurant = items[1]
    assert restaurant["factors"]["coverage_gaps"]["detail"] == "gas"
    assert restaurant["level"] == "blue" and restaurant["score"] > 0
    assert items[2]["score"] == 0 and items[2]["level"] == "blue"
    assert items[2]["change"] == 0


def test_community_filter_and_paging(client: TestClient, street: int) -> None:
    got = client.get("/api/v1/risk?community=西园", headers=ADMIN).json()
    assert [i["building_id"] for i in got["items"]] == ["Q1"]
    page = client.get("/api/v1/risk?limit=1&offset=1", headers=ADMIN).json()
    assert page["total"] == 3 and [i["building_id"] for i in page["items"]] == ["R1"]


def test_a_manager_sees_only_its_buildings(client: TestClient, street: int) -> None:
    manager = bearer(client, "manager", ["R1", "Q1"])
    got = client.get("/api/v1/risk", headers=manager).json()
    assert [i["building_id"] for i in got["items"]] == ["R1", "Q1"]
    assert client.get("/api/v1/risk/F1", headers=manager).status_code == 404
    assert client.get("/api/v1/risk/R1", headers=manager).status_code == 200
    assert client.get("/api/v1/risk/NOPE", headers=ADMIN).status_code == 404
    assert client.get("/api/v1/risk").status_code == 401


def test_every_role_may_read(client: TestClient, street: int) -> None:
    for role in ("duty", "inspector"):
        assert client.get("/api/v1/risk", headers=bearer(client, role)).status_code == 200


def test_one_building_with_its_trend(client: TestClient, street: int) -> None:
    got = client.get("/api/v1/risk/F1", headers=ADMIN)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["level"] == "orange"
    trend = body["trend"]
    assert [t["month"] for t in trend] == [
        "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01",
    ]  # fmt: skip
    assert trend[4]["level"] == "orange" and trend[4]["score"] > 0
    assert trend[5] == {"month": "2026-01", "score": 0.0, "level": "blue"}
    assert body["previous_level"] == "orange"
    assert body["change"] == pytest.approx(body["score"] - body["previous_score"], abs=0.1)
