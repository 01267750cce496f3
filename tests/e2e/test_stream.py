"""The event stream: scoped per token, resumable with Last-Event-ID, kept alive."""

from __future__ import annotations

import time

import pytest

from tests.conftest import GatewayFactory
from tests.support.gateway import Gateway
from tests.support.mqtt import Publisher, topic
from tests.support.servers import Mosquitto
from tests.support.sse import SseReader


def make_token(gateway: Gateway, role: str, buildings: list[str] | None = None) -> str:
    body: dict[str, object] = {"name": role, "role": role}
    if buildings is not None:
        body["buildings"] = buildings
    token: str = gateway.call("POST", "/api/v1/tokens", json=body).json()["token"]
    return token


@pytest.mark.services
def test_scope_filtering_and_resume(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url, api={"stream_heartbeat_s": 0.5})
    gateway.start()
    a, b = f"{building}-A", f"{building}-B"
    manager = make_token(gateway, "manager", [a])
    duty = make_token(gateway, "duty")
    url = f"{gateway.base}/api/v1/stream"
    as_manager = SseReader(url, token=manager)
    as_duty = SseReader(url, token=duty)
    time.sleep(0.5)
    with Publisher(mosquitto.url) as pub:
        pub.publish(topic(a, "smoke", "a1"), {"type": "tamper"})
        pub.publish(topic(b, "smoke", "b1"), {"type": "tamper"})
    as_duty.wait(lambda r: len([e for e in r.events if e["event"] == "ticket"]) >= 2)
    time.sleep(0.3)
    assert as_manager.status == 200
    assert {e["data"]["building_id"] for e in as_manager.events} == {a}
    assert {e["data"]["building_id"] for e in as_duty.events} == {a, b}
    kinds = [
        (e["event"], e["data"].get("kind") or e["data"].get("category")) for e in as_manager.events
    ]
    assert kinds == [("alarm", "tamper"), ("ticket", "device")]
    alarm = as_manager.events[0]["data"]
    assert {
        "id",
        "kind",
        "severity",
        "status",
        "building_id",
        "device_ids",
        "opened_at",
        "ticket_id",
    } <= set(alarm)
    ids = [e["id"] for e in as_duty.events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert (
        "keepalive" in as_manager.comments
        or as_manager.wait(lambda r: "keepalive" in r.comments) is None
    )

    # Disconnect; changes happen; reconnect with the last id seen: nothing lost, nothing doubled.
    last = as_manager.events[-1]["id"]
    as_manager.close()
    as_duty.close()
    with Publisher(mosquitto.url) as pub:
        pub.publish(topic(a, "smoke", "a1"), {"type": "tamper_clear"})
        pub.publish(topic(a, "smoke", "a2"), {"type": "fault"})
        pub.publish(topic(b, "smoke", "b1"), {"type": "tamper_clear"})
    time.sleep(1.0)
    resumed = SseReader(url, token=manager, last_event_id=last)
    resumed.wait(lambda r: len(r.events) >= 3)
    with Publisher(mosquitto.url) as pub:
        pub.publish(topic(a, "smoke", "a2"), {"type": "fault_clear"})
    resumed.wait(lambda r: len(r.events) >= 4)
    time.sleep(0.3)
    got = [
        (e["event"], e["data"].get("kind") or e["data"].get("category"), e["data"]["status"])
        for e in resumed.events
    ]
    assert got == [
        ("alarm", "tamper", "cleared"),
        ("alarm", "device_fault", "active"),
        ("ticket", "device", "open"),
        ("alarm", "device_fault", "cleared"),
    ]
    assert all(e["data"]["building_id"] == a for e in resumed.events)
    assert all(e["id"] > last for e in resumed.events)
    resumed.close()
    unauthorised = SseReader(url, token="sg_nope")
    unauthorised.wait(lambda r: r.status is not None)
    assert unauthorised.status == 401
