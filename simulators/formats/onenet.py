"""OneNET classic pushes: a batch of data points (status code, battery, signal) per report."""

from __future__ import annotations

from typing import Any

from simulators.formats.base import SMOKE_CODES, Canonical, Encoded, battery, encode_json, imei_of


class OnenetEncoder:
    adapter = "onenet"
    device_types = frozenset({"smoke", "gas"})

    def encode(self, message: Canonical) -> Encoded | None:
        imei = imei_of(message.device)
        points: list[tuple[str, Any]] = []
        if message.device_type == "smoke":
            code = SMOKE_CODES.get(message.type)
            if code is None:
                return None
            points.append(("Alarm_Status", code))
        elif message.device_type == "gas":
            if message.type == "alarm":
                points.append(("gas_state", 2 if message.get("level") == "high" else 1))
            elif message.type in ("reading", "alarm_clear"):
                points.append(("gas_state", 0))
            elif message.type != "heartbeat":  # a heartbeat: just the battery
                return None
            if isinstance(message.get("lel_pct"), int | float):
                points.append(("gas_value", message.get("lel_pct")))
        else:
            return None
        points.append(("3_0_9", battery(message)))  # LwM2M Device / Battery Level
        msg = [
            {"at": message.wall_ms, "imei": imei, "type": 1, "ds_id": ds, "value": value,
             "dev_id": int(imei[-9:])}
            for ds, value in points
        ]  # fmt: skip
        # The signature is added by the HTTP pusher, which knows the token.
        body = {"msg": msg, "msg_signature": "", "nonce": ""}
        return Encoded(adapter=self.adapter, identifier=imei, payload=encode_json(body))
