"""CTWing dataReport pushes: Li'an smoke alarms (``Alarm_Status``) and gas detectors."""

from __future__ import annotations

from typing import Any

from simulators.formats.base import (
    SMOKE_CODES,
    Canonical,
    Encoded,
    battery,
    encode_json,
    imei_of,
    rsrp,
)


class CtwingEncoder:
    adapter = "ctwing"
    device_types = frozenset({"smoke", "gas"})

    def encode(self, message: Canonical) -> Encoded | None:
        imei = imei_of(message.device)
        if message.device_type == "smoke":
            code = SMOKE_CODES.get(message.type)
            if code is None:
                return None
            data: dict[str, Any] = {
                "IMEI": imei,
                "Alarm_Status": code,
                "Battery_Level": battery(message),
            }
            if rsrp(message) is not None:
                data["RSRP"] = rsrp(message)
            payload: dict[str, Any] = {"serviceId": "notification", "serviceData": data}
        elif message.device_type == "gas":
            gas = _gas(message)
            if gas is None:
                return None
            payload = gas  # Li'an gas detectors: the values straight in the payload
        else:
            return None
        body = {
            "upPacketSN": -1,
            "topic": "v1/up/ad19prof",
            "timestamp": message.wall_ms,
            "tenantId": "10461180",
            "protocol": "lwm2m",
            "productId": "15014772" if message.device_type == "smoke" else "15017088",
            "payload": payload,
            "messageType": "dataReport",
            "deviceId": f"{int(imei):032x}",
            "IMSI": "undefined",
            "IMEI": imei,
        }
        return Encoded(adapter=self.adapter, identifier=imei, payload=encode_json(body))


def _gas(message: Canonical) -> dict[str, Any] | None:
    kind = message.type
    # Heartbeats carry no state: "normal" would clear an alarm that is still on.
    state = {"reading": 0, "alarm_clear": 0, "heartbeat": None}.get(kind, -1)
    if kind == "alarm":
        state = 2 if message.get("level") == "high" else 1
    if state == -1:
        return None
    data: dict[str, Any] = {"battery_value": battery(message)}
    if state is not None:
        data["gas_sensor_state"] = state
    if isinstance(message.get("lel_pct"), int | float):
        data["gas_value"] = message.get("lel_pct")
    return data
