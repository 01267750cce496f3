"""Real devices' payloads through the real gateway, one test per class of shape: an envelope
without its type field, a decoded LoRaWAN uplink on MQTT, an event report, a product's own
properties, a binary frame, and fields no model reads. Each ends in the right alarm in the
API, or a dead letter with its reason and the administrator's notice: never a silent
heartbeat. And a product model added from a file changes decoding."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import GatewayFactory
from tests.support.gateway import Gateway
from tests.support.mqtt import Publisher
from tests.support.servers import Mosquitto, wait_for

SECRET = "push-secret-for-models"
# Huaqiang W308's published frame (wanghanhong/springcloud_alibaba, HQSmokeParseStrategy.java).
W308 = base64.b64decode("UFUAMBAKLwgBAAMAGwL75SxogDAwcVR5BQgAAAAAAS9kdwJVcVJZAvmvgAL75SwAAAAAAA==")


@pytest.fixture
def gateway(mosquitto: Mosquitto, make_gateway: GatewayFactory) -> Gateway:
    adapters = {name: {"secret": SECRET} for name in ("ctwing", "iotda", "aliyun")}
    return make_gateway(mqtt_url=mosquitto.url, adapters=adapters).start()


def imei() -> str:
    return "86" + str(time.time_ns())[-13:]


def register(gateway: Gateway, building: str, device: str, kind: str, **ids: str) -> None:
    gateway.call("PUT", f"/api/v1/buildings/{building}", json={"name": building})
    response = gateway.call(
        "PUT",
        f"/api/v1/devices/{device}",
        json={"device_type": kind, "building_id": building, **ids},
    )
    assert response.status_code in (200, 201), response.text


def push(gateway: Gateway, adapter: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{gateway.base}/api/v1/ingest/{adapter}",
        content=json.dumps(body, ensure_ascii=False).encode(),
        params={"secret": SECRET},
        timeout=15,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def alarm(gateway: Gateway, building: str, kind: str) -> dict[str, Any]:
    items = gateway.get("/api/v1/alarms", building=building, kind=kind)["items"]
    assert len(items) == 1, items
    found: dict[str, Any] = items[0]
    return found


def dead_letters(tmp_path: Path, device: str) -> list[tuple[str, str | None]]:
    with sqlite3.connect(tmp_path / "siteguard.db") as conn:
        return conn.execute(
            "SELECT reason, product FROM dead_letters WHERE device_id = ?", (device,)
        ).fetchall()


def notices(tmp_path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(tmp_path / "siteguard.db") as conn:
        rows = conn.execute("SELECT payload FROM notifications WHERE subject = 'notice'")
        return [json.loads(row[0])["notice"] for row in rows]


@pytest.mark.services
def test_a_lian_gas_body_without_message_type_is_a_gas_alarm(
    gateway: Gateway, building: str
) -> None:
    """The shape of ../shared/vendor-samples.md: deviceCode, productId, IMEI, protocol and
    the product's payload, no messageType."""
    code = imei()
    register(gateway, building, f"{building}-g", "gas", imei=code)
    body = {
        "deviceCode": code,
        "productId": "15017088",
        "IMEI": code,
        "protocol": "LWM2M",
        "payload": {
            "valve_state": 2, "temperature": 0, "medium": 0, "gas_value": 0,
            "gas_sensor_state": 1, "fan_state": 2, "battery_voltage": 1.1, "battery_value": 100,
        },
    }  # fmt: skip
    assert push(gateway, "ctwing", body)["events"] == 1
    found = alarm(gateway, building, "gas")
    assert found["device_ids"] == [f"{building}-g"] and found["severity"] == "warning"


@pytest.mark.services
def test_a_decoded_gs524n_uplink_on_mqtt_is_a_smoke_alarm(
    gateway: Gateway, mosquitto: Mosquitto, building: str
) -> None:
    """What Milesight's decoder makes of a GS524N frame, as a gateway with the decoder built
    in publishes it: before, this was taken as a bare heartbeat."""
    eui = "24E124" + building[-10:].upper().replace("-", "0")
    register(gateway, building, f"{building}-s", "smoke", dev_eui=eui)
    decoded = {
        "devEUI": eui,
        "battery": 88,
        "concentration": 12,
        "temperature": 27,
        "event": "alarm",
    }
    with Publisher(mosquitto.url) as pub:
        pub.publish(f"siteguard/v1/vendor/milesight/{eui}", json.dumps(decoded))
    wait_for(
        lambda: gateway.get("/api/v1/alarms", building=building, kind="smoke")["items"],
        timeout=5,
        what="the smoke alarm",
    )
    assert alarm(gateway, building, "smoke")["device_ids"] == [f"{building}-s"]
    assert gateway.get(f"/api/v1/devices/{building}-s")["battery_pct"] == 88


@pytest.mark.services
def test_a_ctwing_low_battery_event_report(gateway: Gateway, building: str) -> None:
    code = imei()
    register(gateway, building, f"{building}-s", "smoke", imei=code)
    body = {
        "timestamp": int(time.time() * 1000), "tenantId": "2000033827", "serviceId": 1002,
        "protocol": "lwm2m", "productId": "15045240", "messageType": "eventReport",
        "eventType": 2, "eventContent": {"battery_voltage": 1, "battery_state": 1},
        "deviceSn": "", "deviceId": "d0130804", "IMSI": "undefined", "IMEI": code,
    }  # fmt: skip
    push(gateway, "ctwing", body)
    assert alarm(gateway, building, "low_battery")["severity"] == "info"


@pytest.mark.services
def test_product_properties_aliyun_device_status_and_huawei_smoke_detector(
    gateway: Gateway, building: str
) -> None:
    register(gateway, building, f"{building}-a", "smoke", platform_id="d896e0001c0" + building[-5:])
    register(gateway, building, f"{building}-h", "smoke", imei=(code := imei()))
    aliyun = {
        "deviceType": "SmokeAlarm", "iotId": "g9Bm0001", "productKey": "a1tNnA8UI3i",
        "gmtCreate": int(time.time() * 1000), "deviceName": "d896e0001c0" + building[-5:],
        "items": {
            "DeviceType": {"value": 2, "time": int(time.time() * 1000)},
            "DeviceStatus": {"value": 1, "time": int(time.time() * 1000)},
            "BatteryVoltage": {"value": 9.146, "time": int(time.time() * 1000)},
        },
    }  # fmt: skip
    push(gateway, "aliyun", aliyun)
    huawei = {
        "resource": "device.property", "event": "report",
        "notify_data": {
            "header": {"device_id": "p1_" + code, "node_id": code, "product_id": "p1"},
            "body": {"services": [{
                "service_id": "smokeDetector",
                "properties": {"alarm": 1, "smokeConcentration": 12.5, "temperature": 26.0,
                               "humidity": 40},
            }]},
        },
    }  # fmt: skip
    push(gateway, "iotda", huawei)
    # Two detectors of one building in alarm: a fire, built from both.
    fire = alarm(gateway, building, "fire")
    assert sorted(fire["device_ids"]) == [f"{building}-a", f"{building}-h"]


@pytest.mark.services
def test_a_binary_frame_is_decoded_by_its_product_or_dead_lettered_never_guessed(
    gateway: Gateway, building: str, tmp_path: Path
) -> None:
    w308, other = imei(), imei()
    register(gateway, building, f"{building}-w", "smoke", imei=w308)
    register(gateway, building, f"{building}-x", "smoke", imei=other)
    frame = bytearray(W308)
    frame[27] = 0x01  # Alert bit 0: smoke alarm
    envelope = {
        "messageType": "dataReport", "productId": "10045600", "IMEI": w308,
        "timestamp": int(time.time() * 1000),
        "payload": {"APPdata": base64.b64encode(bytes(frame)).decode()},
    }  # fmt: skip
    push(gateway, "ctwing", envelope)
    assert alarm(gateway, building, "smoke")["device_ids"] == [f"{building}-w"]
    unknown = {**envelope, "productId": "10099999", "IMEI": other}
    assert push(gateway, "ctwing", unknown)["rejected"] == ["unsupported:APPdata"]
    assert dead_letters(tmp_path, f"{building}-x") == [("unsupported:APPdata", "ctwing:10099999")]


@pytest.mark.services
def test_fields_no_model_reads_are_a_dead_letter_a_notice_and_shown_on_the_device(
    gateway: Gateway, building: str, tmp_path: Path
) -> None:
    code = imei()
    register(gateway, building, f"{building}-s", "smoke", imei=code)
    body = {
        "messageType": "dataReport", "productId": "15088888", "IMEI": code,
        "timestamp": int(time.time() * 1000),
        "payload": {"serviceData": {"FireFlag": 1, "Smog": 37}},
    }  # fmt: skip
    result = push(gateway, "ctwing", body)
    assert result["rejected"] == ["unmapped:FireFlag,Smog"]
    assert dead_letters(tmp_path, f"{building}-s") == [
        ("unmapped:FireFlag,Smog", "ctwing:15088888")
    ]
    device = gateway.get(f"/api/v1/devices/{building}-s")
    assert device["online"] is True  # alive: its lease runs on
    assert device["unread"]["reason"] == "unmapped:FireFlag,Smog"
    assert device["unread"]["product"] == "ctwing:15088888"
    wait_for(lambda: notices(tmp_path), timeout=5, what="the administrator's notice")
    (notice,) = notices(tmp_path)
    assert notice["product"] == "ctwing:15088888" and notice["fields"] == ["FireFlag", "Smog"]
    push(gateway, "ctwing", {**body, "timestamp": body["timestamp"] + 1})
    assert len(notices(tmp_path)) == 1  # once per product per day
    metrics = gateway.metrics()
    assert metrics['siteguard_unmapped_messages_total{product="ctwing:15088888"}'] == 2


@pytest.mark.services
def test_a_model_added_from_a_file_changes_decoding(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str, tmp_path: Path
) -> None:
    """A site's model read at start (docs/adapters.md): the same product's message, unread
    before, is an alarm after the gateway starts with the model directory."""
    adapters: dict[str, Any] = {"ctwing": {"secret": SECRET}}
    first = make_gateway(mqtt_url=mosquitto.url, adapters=adapters).start()
    code = imei()
    register(first, building, f"{building}-s", "smoke", imei=code)

    def report(flag: int) -> dict[str, Any]:
        return {
            "messageType": "dataReport", "productId": "77770001", "IMEI": code,
            "timestamp": int(time.time() * 1000) + flag,
            "payload": {"serviceData": {"FireFlag": flag, "Smog": 37}},
        }  # fmt: skip

    assert push(first, "ctwing", report(1))["rejected"] == ["unmapped:FireFlag,Smog"]
    assert not first.get("/api/v1/alarms", building=building)["items"]
    first.stop()

    models = tmp_path / "models"
    models.mkdir()
    (models / "site-smoke.toml").write_text(
        """
id = "site-smoke"
name = "The street's FireFlag smoke alarms"
device_type = "smoke"
sources = ["the installer's protocol sheet: FireFlag 1 fire, 0 normal; Smog in %obs/m"]
keep = ["Smog"]

[match]
products = ["ctwing:77770001"]

[[states]]
field = "FireFlag"
values = { 1 = "alarm", 0 = "normal" }
""",
        encoding="utf-8",
    )
    second = make_gateway(
        mqtt_url=mosquitto.url, adapters={**adapters, "models_dir": str(models)}
    ).start()
    assert push(second, "ctwing", report(1))["rejected"] == []
    assert alarm(second, building, "smoke")["device_ids"] == [f"{building}-s"]
