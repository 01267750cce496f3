"""Milesight uplinks through ChirpStack v4: GS524N smoke frames and GS101 gas records.

The GS101 reports an alarm state, not a concentration: gas readings become periodic status
reports (what the real detector sends), so level thresholds cannot be simulated with it.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from simulators.formats.base import (
    SMOKE_CODES,
    Canonical,
    Encoded,
    battery,
    dev_eui_of,
    encode_json,
)

_GS101 = {
    "alarm": "058e01",
    "alarm_clear": "058e00",
    "reading": "058e00060101070100",
    "heartbeat": "058e00060101070100",
    "fault": "ff3f02",
    "fault_clear": "ff3f03",
}


class MilesightEncoder:
    adapter = "milesight"
    device_types = frozenset({"smoke", "gas"})

    def encode(self, message: Canonical) -> Encoded | None:
        eui = dev_eui_of(message.device)
        if message.device_type == "smoke":
            code = SMOKE_CODES.get(message.type)
            if code is None:
                return None
            temperature = 24
            frame = [0x22, 0x10 | code, battery(message), 0, temperature]
            frame.append(-sum(frame) % 256)
            data = bytes(frame)
        elif message.device_type == "gas" and message.type in _GS101:
            data = bytes.fromhex(_GS101[message.type])
        else:
            return None
        rssi = message.get("rssi")
        body = {
            "deduplicationId": f"{message.wall_ms:x}",
            "time": datetime.fromtimestamp(message.wall_ms / 1000, UTC).isoformat(),
            "deviceInfo": {"deviceName": message.device, "devEui": eui.lower()},
            "fPort": 85,
            "data": base64.b64encode(data).decode(),
            "rxInfo": [
                {"gatewayId": "sim", "rssi": rssi if isinstance(rssi, int | float) else -95}
            ],
        }
        return Encoded(adapter=self.adapter, identifier=eui, payload=encode_json(body))
