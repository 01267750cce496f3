"""Huawei IoTDA property reports (a ``Monitor`` service of named properties)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from simulators.formats.base import SMOKE_CODES, Canonical, Encoded, battery, encode_json, imei_of


class IotdaEncoder:
    adapter = "iotda"
    device_types = frozenset({"smoke", "gas"})

    def encode(self, message: Canonical) -> Encoded | None:
        imei = imei_of(message.device)
        properties: dict[str, Any] = {"battery": battery(message)}
        if message.device_type == "smoke":
            code = SMOKE_CODES.get(message.type)
            if code is None:
                return None
            properties["Alarm_Status"] = code
        elif message.device_type == "gas":
            if message.type == "alarm":
                properties["gas_state"] = 2 if message.get("level") == "high" else 1
            elif message.type in ("reading", "alarm_clear"):
                properties["gas_state"] = 0
            elif message.type != "heartbeat":  # a heartbeat: just the battery
                return None
            if isinstance(message.get("lel_pct"), int | float):
                properties["gas_concentration"] = message.get("lel_pct")
        else:
            return None
        if isinstance(message.get("rssi"), int | float):
            properties["rsrp"] = message.get("rssi")
        at = datetime.fromtimestamp(message.wall_ms / 1000, UTC).strftime("%Y%m%dT%H%M%SZ")
        body = {
            "resource": "device.property",
            "event": "report",
            "event_time": at,
            "notify_data": {
                "header": {
                    "device_id": f"sg_{message.device}",
                    "node_id": imei,
                    "product_id": "siteguard-sim",
                    "gateway_id": f"sg_{message.device}",
                },
                "body": {
                    "services": [
                        {"service_id": "Monitor", "properties": properties, "event_time": at}
                    ]
                },
            },
        }
        return Encoded(adapter=self.adapter, identifier=imei, payload=encode_json(body))
