"""Vendor formats end to end, through the real gateway: MQTT vendor topics and HTTP push, each
ending in the right alarm in the API; unknown devices held and replayed once registered."""

from __future__ import annotations

import copy
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.onenet import signature
from tests.conftest import GatewayFactory
from tests.support.gateway import Gateway
from tests.support.mqtt import Publisher
from tests.support.servers import Mosquitto, wait_for

GOLDEN = Path(__file__).parents[1] / "adapters" / "golden"
SECRET = "ctwing-push-secret"
ONENET_TOKEN = "onenet-push-token-0123"


def golden(adapter: str, name: str) -> Any:
    fixture = json.loads((GOLDEN / f"{adapter}.json").read_text(encoding="utf-8"))
    case = next(c for c in fixture["cases"] if c["name"] == name)
    return copy.deepcopy(case["payload"])


def register(gateway: Gateway, building: str, device_id: str, device_type: str, **ids: str) -> None:
    gateway.call("PUT", f"/api/v1/buildings/{building}", json={"name": building})
    body = {"device_type": device_type, "building_id": building, **ids}
    response = gateway.call("PUT", f"/api/v1/devices/{device_id}", json=body)
    assert response.status_code in (200, 201), response.text


def alarms(gateway: Gateway, building: str, kind: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = gateway.get("/api/v1/alarms", building=building, kind=kind)[
        "items"
    ]
    return items


def lian(imei: str, status: int) -> dict[str, Any]:
    payload = golden("ctwing", "alarm")
    payload["IMEI"] = imei
    payload["payload"]["serviceData"].update(IMEI=imei, Alarm_Status=status)
    payload["timestamp"] = int(time.time() * 1000)
    return payload


def push(gateway: Gateway, adapter: str, body: Any, **kwargs: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return httpx.post(
        f"{gateway.base}/api/v1/ingest/{adapter}", content=content, timeout=15, **kwargs
    )


@pytest.fixture
def gateway(mosquitto: Mosquitto, make_gateway: GatewayFactory) -> Gateway:
    return make_gateway(
        mqtt_url=mosquitto.url,
        adapters={"ctwing": {"secret": SECRET}, "onenet": {"token": ONENET_TOKEN}},
    ).start()


@pytest.mark.services
def test_mqtt_vendor_topic_milesight_gas_alarm(
    gateway: Gateway, mosquitto: Mosquitto, building: str
) -> None:
    eui = "24E124" + building[-10:].upper().replace("-", "0")
    register(gateway, building, f"{building}-gas", "gas", dev_eui=eui)
    uplink = golden("milesight", "GS101 gas alarm")
    uplink["deviceInfo"]["devEui"] = eui.lower()
    uplink["time"] = None
    with Publisher(mosquitto.url) as pub:
        pub.publish(f"siteguard/v1/vendor/milesight/{eui}", json.dumps(uplink))
    wait_for(lambda: alarms(gateway, building, "gas"), timeout=5, what="gas alarm")
    (alarm,) = alarms(gateway, building, "gas")
    assert alarm["device_ids"] == [f"{building}-gas"] and alarm["severity"] == "warning"
    # Status is flushed every devices.status_flush_s: wait for it, not for luck.
    wait_for(
        lambda: gateway.get(f"/api/v1/devices/{building}-gas")["online"] is True,
        timeout=5,
        what="device status",
    )
    assert gateway.get(f"/api/v1/devices/{building}-gas")["rssi"] == -97

    # Back to normal: the warning clears (hysteresis is the device's own here).
    normal = golden("milesight", "GS101 periodic report (user guide example 058e00 060101 070100)")
    normal["deviceInfo"]["devEui"] = eui.lower()
    with Publisher(mosquitto.url) as pub:
        pub.publish(f"siteguard/v1/vendor/milesight/{eui}", json.dumps(normal))
    wait_for(lambda: not alarms(gateway, building, "gas"), timeout=5, what="gas alarm to clear")


@pytest.mark.services
def test_http_push_ctwing_double_knock_is_a_fire(gateway: Gateway, building: str) -> None:
    imei_a, imei_b = "8603740" + str(time.time_ns())[-8:], "8603741" + str(time.time_ns())[-8:]
    register(gateway, building, f"{building}-s1", "smoke", imei=imei_a)
    register(gateway, building, f"{building}-s2", "smoke", imei=imei_b)

    assert push(gateway, "ctwing", lian(imei_a, 1)).status_code == 401  # no secret
    wrong = push(gateway, "ctwing", lian(imei_a, 1), headers={"X-SiteGuard-Secret": "nope"})
    assert wrong.status_code == 401 and "does not match" in wrong.json()["detail"]
    assert push(gateway, "iotda", {}, params={"secret": SECRET}).status_code == 403  # not enabled
    assert push(gateway, "nosuch", {}).status_code == 404

    first = push(gateway, "ctwing", lian(imei_a, 1), headers={"Authorization": f"Bearer {SECRET}"})
    assert first.status_code == 200, first.text
    assert first.json() == {
        "accepted": True, "events": 1, "held": [], "rejected": [], "duplicate": False,
    }  # fmt: skip
    second = push(gateway, "ctwing", lian(imei_b, 1), params={"secret": SECRET})
    assert second.status_code == 200
    # Answered only once durable: the fire is already there, no waiting.
    (fire,) = alarms(gateway, building, "fire")
    assert fire["severity"] == "critical"
    assert sorted(fire["device_ids"]) == [f"{building}-s1", f"{building}-s2"]

    # The detector reports again: still the one fire.
    again = push(gateway, "ctwing", lian(imei_b, 1), params={"secret": SECRET})
    assert again.status_code == 200
    # The platform retries the same bytes: answered as a duplicate, not taken twice.
    retry_body = json.dumps(lian(imei_a, 7)).encode()
    answers = [push(gateway, "ctwing", retry_body, params={"secret": SECRET}) for _ in range(2)]
    assert [(a.status_code, a.json()["duplicate"]) for a in answers] == [(200, False), (200, True)]
    assert len(alarms(gateway, building, "fire")) == 1

    bad = push(gateway, "ctwing", b"{not json", params={"secret": SECRET})
    assert bad.status_code == 200  # kept as a dead letter; a retry could not help
    assert bad.json()["accepted"] is False and bad.json()["rejected"] == ["not_json"]


@pytest.mark.services
def test_http_push_onenet_signed_and_url_check(gateway: Gateway, building: str) -> None:
    imei = "8669710" + str(time.time_ns())[-8:]
    register(gateway, building, f"{building}-s1", "smoke", imei=imei)
    check = httpx.get(
        f"{gateway.base}/api/v1/ingest/onenet",
        params={
            "msg": "abc",
            "nonce": "n0nce123",
            "signature": signature(ONENET_TOKEN, "n0nce123", b"abc"),
        },
        timeout=5,
    )
    assert check.status_code == 200 and check.text == "abc"
    raw_msg = json.dumps(
        {
            "at": int(time.time() * 1000),
            "imei": imei,
            "type": 1,
            "ds_id": "Alarm_Status",
            "value": 10,
        }
    )
    sig = signature(ONENET_TOKEN, "abcdefgh", raw_msg.encode())
    body = f'{{"msg":{raw_msg},"msg_signature":"{sig}","nonce":"abcdefgh"}}'.encode()
    forged = push(gateway, "onenet", body.replace(b'"value": 10', b'"value": 11'))
    assert forged.status_code == 401
    answer = push(gateway, "onenet", body)
    assert answer.status_code == 200 and answer.json()["events"] == 1
    (tamper,) = alarms(gateway, building, "tamper")
    assert tamper["device_ids"] == [f"{building}-s1"]


@pytest.mark.services
def test_unknown_device_is_held_then_replayed_as_history(
    gateway: Gateway, building: str, tmp_path: Path
) -> None:
    imei = "8603749" + str(time.time_ns())[-8:]
    held = push(gateway, "ctwing", lian(imei, 14), params={"secret": SECRET})
    assert held.status_code == 200 and held.json()["held"] == [imei]
    push(gateway, "ctwing", lian(imei, 7) | {"timestamp": 1}, params={"secret": SECRET})

    pending = gateway.get("/api/v1/pending_devices")["items"]
    mine = next(p for p in pending if p["identifier"] == imei)
    assert mine["adapter"] == "ctwing" and mine["device_type"] == "smoke"
    assert mine["messages"] == 2 and mine["last_summary"] == "normal"
    duty = gateway.call("POST", "/api/v1/tokens", json={"name": "duty", "role": "duty"}).json()[
        "token"
    ]
    assert gateway.call("GET", "/api/v1/pending_devices", token=duty).status_code == 403

    register(gateway, building, f"{building}-new", "smoke", imei=imei)
    # Registration answers once the held messages are durable: history, not a live alarm.
    assert all(p["identifier"] != imei for p in gateway.get("/api/v1/pending_devices")["items"])
    with sqlite3.connect(tmp_path / "siteguard.db") as db:
        rows = db.execute(
            "SELECT type, source FROM events WHERE device_id = ? ORDER BY received_ms",
            (f"{building}-new",),
        ).fetchall()
    assert rows == [("test", "ctwing")]  # the heartbeat went to the series only
    assert alarms(gateway, building, "smoke") == []
    assert gateway.metrics()["siteguard_messages_released_total"] >= 2

    # From now on its messages are live.
    push(gateway, "ctwing", lian(imei, 1), params={"secret": SECRET})
    (smoke,) = alarms(gateway, building, "smoke")
    assert smoke["device_ids"] == [f"{building}-new"]
