"""Device status and series through real servers: Mosquitto in, SQLite/PostgreSQL and
VictoriaMetrics (InfluxDB v2 protocol) / InfluxDB 1.6 (v1 protocol) out."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from tests.conftest import GatewayFactory
from tests.support.mqtt import Publisher, topic
from tests.support.servers import Influx1, Mosquitto, VictoriaMetrics, wait_for


def _publish_sample(mqtt_url: str, building: str) -> int:
    sent_at = int(time.time() * 1000)
    with Publisher(mqtt_url) as pub:
        pub.publish(
            topic(building, "gas", "gas-1", "telemetry"),
            {
                "type": "reading",
                "lel_pct": 12.5,
                "co_ppm": 3,
                "battery_pct": 87,
                "rssi": -91,
                "ts": sent_at,
            },
        )
        pub.publish(
            topic(building, "smoke", "smoke-1", "heartbeat"),
            {"type": "heartbeat", "battery_pct": 64, "rssi": -103},
        )
        pub.publish(
            topic(building, "ebike", "lift-1", "event"),
            {"type": "ebike_detected", "confidence": 0.93, "door_hold_s": 15, "floor": 1},
        )
    return sent_at


def _assert_status(gateway, building: str, since_ms: int) -> None:  # type: ignore[no-untyped-def]
    def statuses() -> dict[str, dict]:  # type: ignore[type-arg]
        items = gateway.get("/api/v1/devices", building=building)["items"]
        return {item["device_id"]: item for item in items}

    wait_for(
        lambda: len(statuses()) == 3 and statuses()["gas-1"]["battery_pct"] == 87,
        timeout=5,
        what="status",
    )
    devices = statuses()
    gas = devices["gas-1"]
    assert gas["online"] is True
    assert gas["device_type"] == "gas" and gas["building_id"] == building
    assert gas["battery_pct"] == 87 and gas["rssi"] == -91
    seen = datetime.fromisoformat(gas["last_seen"]).timestamp() * 1000
    assert since_ms - 1000 <= seen <= time.time() * 1000 + 1000
    assert devices["smoke-1"]["battery_pct"] == 64 and devices["smoke-1"]["rssi"] == -103
    detail = gateway.get("/api/v1/devices/gas-1")
    assert detail["readings"][0]["lel_pct"] == 12.5
    buildings = {b["building_id"]: b for b in gateway.get("/api/v1/buildings")["items"]}
    assert buildings[building]["device_count"] == 3


@pytest.mark.services
def test_sqlite_and_victoriametrics_v2(
    mosquitto: Mosquitto, victoria: VictoriaMetrics, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(
        mqtt_url=mosquitto.url,
        influx={
            "url": victoria.url,
            "api": "v2",
            "org": "street",
            "bucket": "siteguard",
            "token": "x",
        },
    ).start()
    before = int(time.time() * 1000)
    sent_at = _publish_sample(mosquitto.url, building)
    _assert_status(gateway, building, before)

    def gas_series() -> list[dict]:  # type: ignore[type-arg]
        return victoria.export(f'{{__name__=~"gas_.*",building="{building}"}}')

    wait_for(lambda: len(gas_series()) >= 4, timeout=10, what="gas points in VictoriaMetrics")
    by_field = {s["metric"]["__name__"]: s for s in gas_series()}
    lel = by_field["gas_lel_pct"]
    assert lel["values"] == [12.5]
    assert lel["timestamps"] == [sent_at]  # the device's own ts is the point's time
    assert lel["metric"]["device"] == "gas-1" and lel["metric"]["type"] == "reading"
    assert by_field["gas_co_ppm"]["values"] == [3]
    assert by_field["gas_battery_pct"]["values"] == [87]
    assert by_field["gas_rssi"]["values"] == [-91]
    wait_for(
        lambda: len(victoria.export(f'{{__name__="ebike_confidence",building="{building}"}}')) == 1,
        timeout=10,
        what="ebike point",
    )
    ebike = victoria.export(f'{{__name__=~"ebike_.*",building="{building}"}}')
    fields = {s["metric"]["__name__"]: s["values"] for s in ebike}
    assert fields["ebike_confidence"] == [0.93] and fields["ebike_door_hold_s"] == [15]
    assert fields["ebike_count"] == [1]


@pytest.mark.services
def test_postgresql_and_influxdb_v1(
    mosquitto: Mosquitto,
    influx1: Influx1,
    postgres_url: str,
    make_gateway: GatewayFactory,
    building: str,
) -> None:
    gateway = make_gateway(
        mqtt_url=mosquitto.url,
        database_url=postgres_url,
        influx={"url": influx1.url, "api": "v1", "database": influx1.database},
    ).start()
    before = int(time.time() * 1000)
    sent_at = _publish_sample(mosquitto.url, building)
    _assert_status(gateway, building, before)

    def rows(q: str) -> list[list]:  # type: ignore[type-arg]
        series = influx1.query(q)[0].get("series", [])
        return series[0]["values"] if series else []

    fields = "lel_pct, co_ppm, battery_pct, rssi, device, type"
    q = f"SELECT {fields} FROM gas WHERE building = '{building}'"
    wait_for(lambda: len(rows(q)) == 1, timeout=10, what="gas point in InfluxDB 1.6")
    assert rows(q)[0] == [sent_at, 12.5, 3.0, 87.0, -91.0, "gas-1", "reading"]
    q = f"SELECT battery_pct, rssi FROM smoke WHERE building = '{building}' AND device = 'smoke-1'"
    wait_for(lambda: len(rows(q)) == 1, timeout=10, what="smoke point")
    assert rows(q)[0][1:] == [64.0, -103.0]
