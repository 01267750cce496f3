"""Alibaba IoT property posts: ``SmokeSensorState`` / ``GasSensorState`` in ``items``."""

from __future__ import annotations

from typing import Any

from simulators.formats.base import SMOKE_CODES, Canonical, Encoded, battery, encode_json, imei_of


class AliyunEncoder:
    adapter = "aliyun"
    device_types = frozenset({"smoke", "gas"})

    def encode(self, message: Canonical) -> Encoded | None:
        name = imei_of(message.device)  # deviceName: the IMEI, as NB-IoT products name them
        values: dict[str, Any] = {"BatteryPercentage": battery(message)}
        kind = message.type
        if message.device_type == "smoke":
            if kind in ("alarm", "alarm_clear", "heartbeat"):
                values["SmokeSensorState"] = 1 if kind == "alarm" else 0
            elif kind in ("tamper", "tamper_clear"):
                values["TamperState"] = 1 if kind == "tamper" else 0
            elif kind in SMOKE_CODES:
                values["Alarm_Status"] = SMOKE_CODES[kind]  # a Li'an product model
            else:
                return None
        elif message.device_type == "gas":
            if kind == "alarm":
                values["GasSensorState"] = 1  # the standard model has no level: %LEL says it
            elif kind in ("reading", "alarm_clear"):
                values["GasSensorState"] = 0
            elif kind != "heartbeat":  # a heartbeat: just the battery
                return None
            if isinstance(message.get("lel_pct"), int | float):
                values["GasConcentration"] = message.get("lel_pct")
        else:
            return None
        body = {
            "deviceType": "SmokeAlarm" if message.device_type == "smoke" else "GasDetector",
            "iotId": f"sim{name}",
            "productKey": "a1SiteGuard",
            "deviceName": name,
            "gmtCreate": message.wall_ms,
            "items": {k: {"value": v, "time": message.wall_ms} for k, v in values.items()},
        }
        return Encoded(adapter=self.adapter, identifier=name, payload=encode_json(body))
