"""The alarm engine inside the real gateway, over real Mosquitto: what the duty officer sees."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import GatewayFactory
from tests.support.barrier import barrier
from tests.support.gateway import ADMIN_TOKEN, Gateway
from tests.support.mqtt import Publisher, topic
from tests.support.servers import Mosquitto, wait_for


def alarms(gateway: Gateway, building: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = gateway.get("/api/v1/alarms", building=building, **params)[
        "items"
    ]
    return items


def active_kinds(gateway: Gateway, building: str) -> dict[str, dict[str, Any]]:
    return {(a["kind"] + ":" + (a["device_id"] or "")): a for a in alarms(gateway, building)}


def post(gateway: Gateway, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{gateway.base}{path}",
        json=body,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )


@pytest.mark.services
def test_two_detectors_confirm_a_fire_visible_within_a_second(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    with Publisher(mosquitto.url) as pub:
        pub.publish(topic(building, "smoke", "s1"), {"type": "alarm", "id": "k1"})
        pub.publish(topic(building, "smoke", "s2"), {"type": "alarm", "id": "k2"})
        published = time.monotonic()

    def fire() -> dict[str, Any] | None:
        found = [a for a in alarms(gateway, building, kind="fire")]
        return found[0] if found else None

    wait_for(
        lambda: fire() is not None, timeout=1.0, what="the fire alarm in the API", interval=0.02
    )
    assert time.monotonic() - published < 1.0
    alarm = fire()
    assert alarm is not None
    assert alarm["severity"] == "critical" and alarm["status"] == "active" and alarm["latched"]
    assert sorted(alarm["device_ids"]) == ["s1", "s2"]
    assert "ticket_id" in alarm

    # The duty officer acknowledges it; the fire stays until it is cleared by hand.
    response = post(
        gateway, f"/api/v1/alarms/{alarm['id']}/ack", {"verdict": "real", "note": "已出警"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["verdict"] == "real" and response.json()["acknowledged_at"]
    again = post(gateway, f"/api/v1/alarms/{alarm['id']}/ack", {"verdict": "real"})
    assert again.status_code == 409 and "already acknowledged" in again.json()["detail"]
    smoke = next(a for a in alarms(gateway, building, kind="smoke") if a["device_id"] == "s1")
    refused = post(gateway, f"/api/v1/alarms/{smoke['id']}/clear", {"note": "x"})
    assert refused.status_code == 409 and "does not latch" in refused.json()["detail"]
    cleared = post(gateway, f"/api/v1/alarms/{alarm['id']}/clear", {"note": "现场处置完毕"})
    assert cleared.status_code == 200 and cleared.json()["status"] == "cleared"
    twice = post(gateway, f"/api/v1/alarms/{alarm['id']}/clear", {})
    assert twice.status_code == 409
    assert alarms(gateway, building, kind="fire") == []
    assert [a["status"] for a in alarms(gateway, building, kind="fire", status="all")] == [
        "cleared"
    ]


@pytest.mark.services
def test_gas_through_the_thresholds(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    t = topic(building, "gas", "kitchen-1", "telemetry")

    def gas() -> dict[str, Any] | None:
        found = alarms(gateway, building, kind="gas", status="all")
        return found[0] if found else None

    with Publisher(mosquitto.url) as pub:
        pub.publish(t, {"type": "reading", "lel_pct": 10.0})
        pub.publish(t, {"type": "reading", "lel_pct": 26.0})
        wait_for(lambda: gas() is not None, timeout=5, what="gas warning")
        first = gas()
        assert first is not None and first["severity"] == "warning" and first["status"] == "active"
        pub.publish(t, {"type": "reading", "lel_pct": 22.0})
        pub.publish(t, {"type": "reading", "lel_pct": 19.0})
        wait_for(lambda: gas()["status"] == "cleared", timeout=5, what="gas cleared below 20")  # type: ignore[index]
        pub.publish(t, {"type": "reading", "lel_pct": 30.0})
        pub.publish(t, {"type": "reading", "lel_pct": 55.0})
        pub.publish(t, {"type": "reading", "lel_pct": 5.0})
        barrier(gateway, pub)  # the 5.0 reading is applied: it did not clear the latched alarm
    latest = gas()
    assert latest is not None
    assert latest["id"] != first["id"] and latest["status"] == "active" and latest["peak"] == 55.0
    assert len(alarms(gateway, building, kind="gas", status="all")) == 2


@pytest.mark.services
def test_ebike_hotspot(mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    with Publisher(mosquitto.url) as pub:
        for i in range(4):
            pub.publish(
                topic(building, "ebike", "lift-3"),
                {"type": "ebike_detected", "confidence": 0.95, "id": f"h{i}"},
            )
        pub.publish(
            topic(building, "ebike", "lift-3"),
            {"type": "ebike_detected", "confidence": 0.5, "id": "low"},
        )
        barrier(gateway, pub)  # all five applied: four confident ones are not a hotspot
        assert alarms(gateway, building, kind="ebike_hotspot") == []
        pub.publish(
            topic(building, "ebike", "lift-3"),
            {"type": "ebike_detected", "confidence": 0.9, "id": "h4"},
        )
    wait_for(
        lambda: len(alarms(gateway, building, kind="ebike_hotspot")) == 1, timeout=5, what="hotspot"
    )
    assert alarms(gateway, building, kind="ebike_hotspot")[0]["device_ids"] == ["lift-3"]


@pytest.mark.services
def test_device_goes_offline_and_comes_back(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(
        mqtt_url=mosquitto.url, devices={"heartbeat_s": {"gas": 1}, "offline_after_missed": 2}
    ).start()
    with Publisher(mosquitto.url) as pub:
        pub.publish(topic(building, "gas", "g1", "heartbeat"), {"type": "heartbeat"})
        wait_for(
            lambda: "device_offline:g1" in active_kinds(gateway, building),
            timeout=6,
            what="offline",
        )
        assert gateway.get("/api/v1/devices/g1")["online"] is False
        pub.publish(topic(building, "gas", "g1", "heartbeat"), {"type": "heartbeat"})
    wait_for(
        lambda: "device_offline:g1" not in active_kinds(gateway, building), timeout=3, what="back"
    )
    wait_for(lambda: gateway.get("/api/v1/devices/g1")["online"] is True, timeout=3, what="online")


def notifications(tmp_path: Path) -> list[tuple[str, str, str, int]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'siteguard.db'}")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT alarm_id, kind, reason, created_ms FROM notifications ORDER BY created_ms"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.services
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_timers_and_alarms_survive_a_restart(
    how: str, mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str, tmp_path: Path
) -> None:
    kitchen = building + "-k"  # the gas alarm elsewhere, so no compound alarm joins in
    gateway = make_gateway(
        mqtt_url=mosquitto.url,
        alerting={"smoke": {"confirm_hold_s": 4}},
        devices={"heartbeat_s": {"gas": 2}, "offline_after_missed": 2},
        notify={"repeat_critical_s": 2},
    ).start()
    with Publisher(mosquitto.url) as pub:
        pub.publish(topic(building, "smoke", "s1"), {"type": "alarm", "id": "held"})  # fire in 4 s
        pub.publish(topic(building, "gas", "g1", "heartbeat"), {"type": "heartbeat"})  # lease 4 s
        pub.publish(topic(kitchen, "gas", "g2", "telemetry"), {"type": "reading", "lel_pct": 60.0})
    wait_for(lambda: len(alarms(gateway, building)) == 1, timeout=5, what="the smoke alarm")
    wait_for(lambda: len(alarms(gateway, kitchen)) == 1, timeout=5, what="the gas alarm")
    smoke_id = alarms(gateway, building)[0]["id"]
    gas_id = alarms(gateway, kitchen)[0]["id"]
    if how == "SIGKILL":
        gateway.kill()
    else:
        assert gateway.stop() == 0
    time.sleep(2.5)
    gateway.start()
    # Started before the restart, due during or after it: both still fire.
    wait_for(
        lambda: "fire:" in active_kinds(gateway, building), timeout=8, what="fire after restart"
    )
    wait_for(
        lambda: "device_offline:g1" in active_kinds(gateway, building), timeout=8, what="offline"
    )

    def reminders() -> list[int]:
        return [
            created
            for alarm_id, _, reason, created in notifications(tmp_path)
            if reason == "reminder" and alarm_id == gas_id
        ]

    # The critical gas alarm's reminders keep their rhythm (every 2 s) across the restart.
    wait_for(lambda: len(reminders()) >= 3, timeout=10, what="three reminders")
    barrier(gateway, mosquitto.url)  # any redelivered copy would be applied by now
    here = alarms(gateway, building, status="all")
    assert sorted(a["kind"] for a in here) == ["device_offline", "fire", "smoke"]
    assert next(a["id"] for a in here if a["kind"] == "smoke") == smoke_id  # not duplicated
    assert [a["id"] for a in alarms(gateway, kitchen, kind="gas", status="all")] == [gas_id]
    sent = notifications(tmp_path)
    opened = [(alarm_id, kind) for alarm_id, kind, reason, _ in sent if reason == "opened"]
    assert len(opened) == len(set(opened))  # nothing notified twice
    assert all(b - a >= 2000 for a, b in itertools.pairwise(reminders()))
