"""Hazard tickets through the real gateway: opened once per alarm, moved by the roles allowed
to, escalated while overdue, and delivered to the district's hazard system."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import GatewayFactory
from tests.support.barrier import barrier, is_marker, ticket_marker
from tests.support.gateway import Gateway
from tests.support.mqtt import Publisher, topic
from tests.support.recorder import Recorder
from tests.support.servers import Mosquitto, wait_for


def token(gateway: Gateway, role: str, buildings: list[str] | None = None) -> str:
    body: dict[str, Any] = {"name": f"{role}-test", "role": role}
    if buildings is not None:
        body["buildings"] = buildings
    response = gateway.call("POST", "/api/v1/tokens", json=body)
    assert response.status_code == 201, response.text
    created: str = response.json()["token"]
    return created


def tickets(gateway: Gateway, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = gateway.get("/api/v1/tickets", **params)["items"]
    return items


@pytest.mark.services
def test_one_ticket_per_alarm_under_a_burst_and_across_a_restart(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    burst = [
        (topic(building, "smoke", f"s{i % 3}"), {"type": "alarm", "id": f"b{i}"})
        for i in range(300)
    ]
    with Publisher(mosquitto.url) as pub:
        pub.publish_many(burst[:150])
        wait_for(lambda: len(tickets(gateway, building=building)) >= 1, timeout=10, what="ticket")
        gateway.kill()
        pub.publish_many(burst[150:])  # redelivered and new triggers while it is down
        gateway.start()
        pub.publish_many(burst)  # duplicates of everything
    wait_for(
        lambda: gateway.metrics().get("siteguard_messages_duplicate_total", 0) >= 150,
        timeout=15,
        what="dups",
    )
    barrier(gateway, mosquitto.url)  # every copy published is applied: none made a second
    fires = gateway.get("/api/v1/alarms", building=building, kind="fire", status="all")["items"]
    assert len(fires) == 1
    found = tickets(gateway, building=building)
    assert len(found) == 1
    ticket = found[0]
    assert ticket["alarm_id"] == fires[0]["id"] and fires[0]["ticket_id"] == ticket["id"]
    assert (ticket["category"], ticket["status"], ticket["responsible"]) == (
        "fire",
        "open",
        "公共安全办",
    )
    assert [(h["from"], h["to"]) for h in ticket["history"]] == [(None, "open")]


@pytest.mark.services
def test_lifecycle_by_role_with_delivery_to_the_hazard_system(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    with Recorder(fail_first=3) as hazard_system:
        gateway = make_gateway(
            mqtt_url=mosquitto.url,
            tickets={
                "export_url": hazard_system.url + "/hazards",
                "export_token": "district-secret",
            },
        ).start()
        assert (
            gateway.call(
                "PUT",
                f"/api/v1/buildings/{building}",
                json={"name": "5号楼", "property_company": "安居物业"},
            ).status_code
            == 201
        )
        duty = token(gateway, "duty")
        manager = token(gateway, "manager", [building])
        created = gateway.call(
            "POST",
            "/api/v1/tickets",
            token=duty,
            json={
                "title": "楼道堆放电动车",
                "category": "inspection",
                "building_id": building,
                "severity": "warning",
                "venue_type": "old_compound",
                "note": "巡查发现",
            },
        )
        assert created.status_code == 201, created.text
        tid = created.json()["id"]
        assert created.json()["responsible"] == "公共安全办"

        def move(who: str, to: str, note: str | None = None, **extra: Any) -> Any:
            return gateway.call(
                "POST",
                f"/api/v1/tickets/{tid}/transition",
                token=who,
                json={"to": to, "note": note, **extra},
            )

        assert move(manager, "assigned").status_code == 403  # managers do not assign
        illegal = move(duty, "closed", "跳步")
        assert illegal.status_code == 409 and "from open to closed" in illegal.json()["detail"]
        assigned = move(duty, "assigned", "请物业整改", responsible="安居物业")
        assert assigned.status_code == 200 and assigned.json()["allowed_moves"] == ["rectifying"]
        seen = gateway.call("GET", f"/api/v1/tickets/{tid}", token=manager).json()
        assert seen["allowed_moves"] == ["rectifying"]
        assert move(manager, "rectifying", "已安排清理").status_code == 200
        in_review = move(manager, "review", "已清理，附照片")
        assert in_review.status_code == 200 and in_review.json()["allowed_moves"] == []
        duty_view = gateway.call("GET", f"/api/v1/tickets/{tid}", token=duty).json()
        assert sorted(duty_view["allowed_moves"]) == ["closed", "rectifying"]
        assert move(manager, "closed", "x").status_code == 403  # nor review or close
        assert move(duty, "rectifying", "照片不清").status_code == 200  # rejected at review
        assert move(manager, "review", "重新拍照").status_code == 200
        no_note = move(duty, "closed")
        assert no_note.status_code == 422 and "note" in no_note.json()["detail"]
        closed = move(duty, "closed", "复查合格，销号")
        assert closed.status_code == 200
        body = closed.json()
        assert body["status"] == "closed" and body["closed_at"] is not None
        assert [(h["from"], h["to"]) for h in body["history"]] == [
            (None, "open"),
            ("open", "assigned"),
            ("assigned", "rectifying"),
            ("rectifying", "review"),
            ("review", "rectifying"),
            ("rectifying", "review"),
            ("review", "closed"),
        ]
        assert body["history"][2]["by"] == "manager-test"
        assert move(duty, "rectifying", "再开").status_code == 409  # nothing leaves closed

        # Every change reaches the hazard system exactly once, in order, despite 3 failures.
        wait_for(lambda: len(hazard_system.received) == 7, timeout=30, what="7 deliveries")
        # A later change, delivered only after every earlier one is marked sent: had one of
        # the seven been sent again, it would have been before the marker.
        marker = ticket_marker(gateway, building)
        wait_for(
            lambda: any(is_marker(d, marker) for d in hazard_system.json_bodies()),
            timeout=30,
            what="the marker's delivery",
        )
        deliveries = [d for d in hazard_system.json_bodies() if not is_marker(d, marker)]
        assert len(deliveries) == 7 and len(hazard_system.received) == 8
        assert [d["change"]["to"] for d in deliveries] == [h["to"] for h in body["history"]]
        keys = [r["headers"]["Idempotency-Key"] for r in hazard_system.received]
        assert len(set(keys)) == 8
        assert all(
            r["headers"]["Authorization"] == "Bearer district-secret"
            for r in hazard_system.received
        )
        assert len(hazard_system.attempts) == 11  # 3 refused by the server, then each once


@pytest.mark.services
def test_deliveries_pending_at_a_restart_are_made_after_it(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    with Recorder(fail_first=10_000) as down:
        gateway = make_gateway(mqtt_url=mosquitto.url, tickets={"export_url": down.url}).start()
        with Publisher(mosquitto.url) as pub:
            pub.publish(topic(building, "smoke", "s1"), {"type": "tamper"})
        wait_for(lambda: len(down.attempts) >= 1, timeout=10, what="a first attempt")
        gateway.stop()
        down.fail_first = 0
        down.attempts.clear()
        gateway.start()
        wait_for(lambda: len(down.received) == 1, timeout=15, what="delivery after restart")
        marker = ticket_marker(gateway, building)  # delivered after the first is marked sent
        wait_for(lambda: len(down.received) == 2, timeout=15, what="the marker's delivery")
        first, last = down.json_bodies()
        assert first["ticket"]["category"] == "device" and is_marker(last, marker)


@pytest.mark.services
def test_overdue_tickets_escalate_step_by_step(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(
        mqtt_url=mosquitto.url, tickets={"escalate_every_s": 1, "scan_s": 0.2}
    ).start()
    gateway.call("PUT", f"/api/v1/buildings/{building}", json={})
    due = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    created = gateway.call(
        "POST",
        "/api/v1/tickets",
        json={
            "title": "灭火器过期",
            "category": "inspection",
            "building_id": building,
            "due_at": due,
        },
    )
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    wait_for(
        lambda: gateway.get(f"/api/v1/tickets/{tid}")["escalation_level"] == 4,
        timeout=15,
        what="level 4",
    )
    history = gateway.get(f"/api/v1/tickets/{tid}")["history"]
    steps = [h for h in history if h["by"] == "escalation"]
    assert [h["escalation_level"] for h in steps] == [1, 2, 3, 4]
    assert ["函告" in steps[0]["note"], "曝光" in steps[3]["note"]] == [True, True]
    assert gateway.get("/api/v1/tickets", overdue="true")["total"] >= 1
