"""The event stream: scoped per token, resumable with Last-Event-ID, kept alive."""

from __future__ import annotations

import pytest

from tests.conftest import GatewayFactory
from tests.support.barrier import barrier, is_marker, ticket_marker
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
    for reader in (as_manager, as_duty):  # listening: the stream's greeting comes after that
        reader.wait(lambda r: any(c.startswith("siteguard stream for") for c in r.comments))
    with Publisher(mosquitto.url) as pub:
        pub.publish(topic(a, "smoke", "a1"), {"type": "tamper"})
        pub.publish(topic(b, "smoke", "b1"), {"type": "tamper"})
        barrier(gateway, pub)
    # A change in a, announced after b's: once the manager has it, b's were offered too.
    marker = ticket_marker(gateway, a)
    for reader in (as_manager, as_duty):
        reader.wait(lambda r: any(is_marker(e["data"], marker) for e in r.events))
    manager_saw = [e for e in as_manager.events if not is_marker(e["data"], marker)]
    duty_saw = [e for e in as_duty.events if not is_marker(e["data"], marker)]
    assert as_manager.status == 200
    assert {e["data"]["building_id"] for e in manager_saw} == {a}
    assert {e["data"]["building_id"] for e in duty_saw} == {a, b}
    kinds = [(e["event"], e["data"].get("kind") or e["data"].get("category")) for e in manager_saw]
    assert kinds == [("alarm", "tamper"), ("ticket", "device")]
    alarm = manager_saw[0]["data"]
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
        barrier(gateway, pub)  # stored while nobody listened: the resume reads them back
    resumed = SseReader(url, token=manager, last_event_id=last)
    resumed.wait(lambda r: len(r.events) >= 3)
    with Publisher(mosquitto.url) as pub:
        pub.publish(topic(a, "smoke", "a2"), {"type": "fault_clear"})
        barrier(gateway, pub)
    marker = ticket_marker(gateway, a)
    resumed.wait(lambda r: any(is_marker(e["data"], marker) for e in r.events))
    resumed_saw = [e for e in resumed.events if not is_marker(e["data"], marker)]
    got = [
        (e["event"], e["data"].get("kind") or e["data"].get("category"), e["data"]["status"])
        for e in resumed_saw
    ]
    assert got == [
        ("alarm", "tamper", "cleared"),
        ("alarm", "device_fault", "active"),
        ("ticket", "device", "open"),
        ("alarm", "device_fault", "cleared"),
    ]
    assert all(e["data"]["building_id"] == a for e in resumed_saw)
    assert all(e["id"] > last for e in resumed.events)
    resumed.close()
    unauthorised = SseReader(url, token="sg_nope")
    unauthorised.wait(lambda r: r.status is not None)
    assert unauthorised.status == 401
