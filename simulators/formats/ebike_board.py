"""E-bike blocker edge boxes' webhook (warning types as in adapters/ebike_board.py)."""

from __future__ import annotations

from typing import Any

from simulators.formats.base import Canonical, Encoded, encode_json

_CODES = {
    "ebike_detected": "007",
    "ebike_left": "008",
    "camera_blocked": "010",
    "blocker_fault": "011",
    "fault_clear": "012",
    "heartbeat": "000",
}


class EbikeBoardEncoder:
    adapter = "ebike_board"
    device_types = frozenset({"ebike"})

    def encode(self, message: Canonical) -> Encoded | None:
        if message.device_type != "ebike" or message.type not in _CODES:
            return None
        code = _CODES[message.type]
        data: dict[str, Any] = {"original_timestamp": message.wall_ms}
        if message.type == "ebike_detected":
            if isinstance(message.get("door_hold_s"), int | float):
                code = "009"
                data["door_hold_s"] = message.get("door_hold_s")
            if isinstance(message.get("confidence"), int | float):
                data["confidence"] = message.get("confidence")
            if isinstance(message.get("floor"), int):
                data["floor"] = message.get("floor")
        # The box knows itself by the id it was installed under.
        body = {"deviceId": message.device, "warningType": code, "level": 3, "data": data}
        return Encoded(adapter=self.adapter, identifier=message.device, payload=encode_json(body))
