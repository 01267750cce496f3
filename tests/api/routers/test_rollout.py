"""``GET /api/v1/rollout``: per programme, the counts per community and venue type from
devices of known types and online states, the gaps, the scope of a property manager and an
inspector, the community filter, and progress against the deadline on the API's clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from core.config.rollout import RolloutConfig
from gateway.store import schema
from reports.report import Settings
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import bearer, building_row, device_row

TZ = ZoneInfo("Asia/Shanghai")
SEEN = 1_766_000_000_000  # 2025-12-17T19:33:20Z


def local_ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=TZ).timestamp() * 1000)  # type: ignore[misc]


@pytest.fixture
def street(api: Api) -> None:
    api.insert(
        schema.buildings,
        [
            building_row("H1", name="1号楼", community="东园", venue_type="high_rise_residential"),
            building_row("H2", name="2号楼", community="东园", venue_type="high_rise_residential"),
            building_row("H3", name="3号楼", community="西园", venue_type="high_rise_residential"),
            building_row("R1", name="老王饭馆", community="东园", venue_type="restaurant"),
            building_row("S1", name="小卖部", community="西园", venue_type="shop"),
            building_row("O1", name="老院5栋", community="东园", venue_type="old_compound"),
            building_row("P1", name="住宅", community="西园", venue_type="residential"),
        ],
    )
    api.insert(
        schema.devices,
        [
            device_row("E1", "H1", "ebike", online=True),
            device_row("E2", "H1", "ebike", online=False),
            device_row("E3", "H2", "ebike", online=False, last_seen_ms=SEEN),
            device_row("M1", "R1", "smoke", online=True),
            device_row("G1", "R1", "gas", online=False, last_seen_ms=SEEN - 1000),
            device_row("M2", "S1", "smoke", online=True),
            device_row("M3", "O1", "smoke", online=False),
            device_row("M4", "P1", "smoke", online=True),  # residential: in no programme
        ],
    )


def figures(**counts: Any) -> dict[str, Any]:
    b = counts["buildings"]
    return {
        **counts,
        "installed_rate": counts["installed"] / b if b else None,
        "online_rate": counts["online"] / b if b else None,
        "all_online_rate": counts["all_online"] / b if b else None,
    }


def by_key(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["key"]: p for p in body["programmes"]}


@pytest.mark.usefixtures("street")
def test_counts_gaps_and_progress_for_the_whole_street(api: Api, client: TestClient) -> None:
    answer = client.get("/api/v1/rollout", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # FakeClock: 2026-01-01T00:00Z, 08:00 in Tianjin
    assert (body["as_of"], body["today"], body["community"]) == (
        "2026-01-01T00:00:00.000Z",
        "2026-01-01",
        None,
    )
    assert list(by_key(body)) == ["ebike_blockers", "smoke_detectors", "gas_detectors"]
    ebike = by_key(body)["ebike_blockers"]
    assert ebike == {
        "key": "ebike_blockers",
        "title": "高层住宅电梯阻车系统",
        "device_type": "ebike",
        "venue_types": ["high_rise_residential"],
        "basis": ebike["basis"],
        "start": "2024-04-01",
        "deadline": "2025-12-31",  # the plan's item 13: 2024至2025年
        "days_left": -1,
        "past_deadline": True,
        "expected_rate": 1.0,
        "total": {
            **figures(buildings=3, installed=2, online=1, all_online=0, devices=3,
                      devices_online=1),
            "status": "late",
        },
        "communities": [
            {"community": "东园", **figures(buildings=2, installed=2, online=1, all_online=0,
                                             devices=3, devices_online=1), "status": "late"},
            {"community": "西园", **figures(buildings=1, installed=0, online=0, all_online=0,
                                             devices=0, devices_online=0), "status": "late"},
        ],
        "rows": [
            {"community": "东园", "venue_type": "high_rise_residential",
             **figures(buildings=2, installed=2, online=1, all_online=0, devices=3,
                       devices_online=1), "status": "late"},
            {"community": "西园", "venue_type": "high_rise_residential",
             **figures(buildings=1, installed=0, online=0, all_online=0, devices=0,
                       devices_online=0), "status": "late"},
        ],
        "gaps": [
            {"building_id": "H2", "name": "2号楼", "community": "东园",
             "venue_type": "high_rise_residential", "state": "offline", "devices": 1,
             "last_seen": "2025-12-17T19:33:20.000Z"},
            {"building_id": "H3", "name": "3号楼", "community": "西园",
             "venue_type": "high_rise_residential", "state": "not_installed", "devices": 0,
             "last_seen": None},
        ],
    }  # fmt: skip
    assert "第13项" in ebike["basis"]
    smoke = by_key(body)["smoke_detectors"]
    assert [(r["community"], r["venue_type"], r["buildings"], r["installed"], r["online"])
            for r in smoke["rows"]] == [
        ("东园", "restaurant", 1, 1, 1),
        ("东园", "old_compound", 1, 1, 0),
        ("西园", "shop", 1, 1, 1),
    ]  # fmt: skip
    assert smoke["total"]["buildings"] == 3 and smoke["total"]["online"] == 2
    assert [(g["building_id"], g["state"]) for g in smoke["gaps"]] == [("O1", "offline")]
    gas = by_key(body)["gas_detectors"]
    assert (gas["deadline"], gas["days_left"], gas["past_deadline"]) == ("2026-12-31", 364, False)
    assert gas["expected_rate"] == round(640 / 1005, 4)  # 2024-04-01 .. 2026-12-31
    assert gas["total"]["online"] == 0 and gas["total"]["status"] == "behind"
    assert [(g["building_id"], g["state"], g["last_seen"]) for g in gas["gaps"]] == [
        ("R1", "offline", "2025-12-17T19:33:19.000Z")
    ]


@pytest.mark.usefixtures("street")
def test_deadlines_are_config_and_the_deadline_day_is_still_in_time(
    api: Api, client: TestClient
) -> None:
    config = RolloutConfig(
        ebike_blockers={"deadline": "2026-01-01", "start": "2025-01-01"},
        gas_detectors={"enabled": False},
    )
    ctx = api.app.state.context
    api.app.state.context = replace(ctx, report_settings=Settings(rollout=config))
    body = client.get("/api/v1/rollout", headers=ADMIN).json()
    assert list(by_key(body)) == ["ebike_blockers", "smoke_detectors"]
    ebike = by_key(body)["ebike_blockers"]
    assert (ebike["deadline"], ebike["days_left"], ebike["past_deadline"]) == (
        "2026-01-01",
        0,
        False,
    )
    assert ebike["expected_rate"] == round(365 / 366, 4)
    assert ebike["total"]["status"] == "behind"  # 1 of 3 online, nearly all the time gone
    api.clock.set(local_ms(2026, 1, 1, 23, 59))
    ebike = by_key(client.get("/api/v1/rollout", headers=ADMIN).json())["ebike_blockers"]
    assert (ebike["days_left"], ebike["past_deadline"]) == (0, False)
    api.clock.set(local_ms(2026, 1, 2))  # midnight in Tianjin: the day after
    ebike = by_key(client.get("/api/v1/rollout", headers=ADMIN).json())["ebike_blockers"]
    assert (ebike["days_left"], ebike["past_deadline"], ebike["expected_rate"]) == (-1, True, 1.0)
    assert ebike["total"]["status"] == "late"


@pytest.mark.usefixtures("street")
def test_a_device_coming_online_counts_at_once(api: Api, client: TestClient) -> None:
    with api.engine.begin() as conn:
        conn.execute(
            schema.devices.update().where(schema.devices.c.device_id == "M3").values(online=True)
        )
    smoke = by_key(client.get("/api/v1/rollout", headers=ADMIN).json())["smoke_detectors"]
    assert smoke["total"]["online"] == smoke["total"]["buildings"] == 3
    assert smoke["total"]["status"] == "done" and smoke["gaps"] == []


@pytest.mark.usefixtures("street")
def test_a_manager_sees_its_buildings_only(api: Api, client: TestClient) -> None:
    manager = bearer(client, "manager", ["H2", "R1"])
    body = client.get("/api/v1/rollout", headers=manager).json()
    ebike, smoke, gas = (by_key(body)[k] for k in ("ebike_blockers", "smoke_detectors",
                                                    "gas_detectors"))  # fmt: skip
    assert (ebike["total"]["buildings"], ebike["total"]["installed"], ebike["total"]["online"]) == (
        1,
        1,
        0,
    )
    assert [g["building_id"] for g in ebike["gaps"]] == ["H2"]
    assert [r["venue_type"] for r in smoke["rows"]] == ["restaurant"]
    assert smoke["total"]["online"] == 1 and smoke["gaps"] == []
    assert [g["building_id"] for g in gas["gaps"]] == ["R1"]
    nobody = bearer(client, "manager", [])
    empty = by_key(client.get("/api/v1/rollout", headers=nobody).json())["ebike_blockers"]
    assert empty["total"]["buildings"] == 0 and empty["total"]["status"] is None


@pytest.mark.usefixtures("street")
def test_an_inspector_sees_its_communities_and_the_filter_narrows(
    api: Api, client: TestClient
) -> None:
    made = client.post(
        "/api/v1/tokens",
        headers=ADMIN,
        json={"name": "网格员", "role": "inspector", "communities": ["西园"]},
    )
    inspector = {"Authorization": f"Bearer {made.json()['token']}"}
    body = client.get("/api/v1/rollout", headers=inspector).json()
    smoke = by_key(body)["smoke_detectors"]
    assert [(r["community"], r["venue_type"]) for r in smoke["rows"]] == [("西园", "shop")]
    assert [g["building_id"] for g in by_key(body)["ebike_blockers"]["gaps"]] == ["H3"]
    # The filter narrows; it does not widen an inspector's scope.
    east = client.get("/api/v1/rollout", headers=inspector, params={"community": "东园"}).json()
    assert all(p["total"]["buildings"] == 0 for p in east["programmes"])
    admin_east = client.get("/api/v1/rollout", headers=ADMIN, params={"community": "东园"}).json()
    assert admin_east["community"] == "东园"
    assert by_key(admin_east)["ebike_blockers"]["total"]["buildings"] == 2
    assert {r["community"] for p in admin_east["programmes"] for r in p["rows"]} == {"东园"}


def test_a_token_is_needed(client: TestClient) -> None:
    assert client.get("/api/v1/rollout").status_code == 401
