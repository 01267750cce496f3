"""Milesight GS101 natural gas detector: channel/type records, little-endian values.

Source: Milesight-IoT/SensorDecoders, ``gs-series/gs101/README.md`` and its decoder (earlier
``GS_Series/GS101``): ``05 8E`` gas status (0 normal, 1 alarm), ``06 01`` valve, ``07 01``
relay output, ``08 90`` sensor life remaining (uint32, s), ``FF 3F`` device alarm (0 power
off, 1 power on, 2 fault, 3 fault recovered, 4 sensor about to expire, 5 sensor expired),
``FF xx`` device information. The records carry no lengths, so decoding stops at one it
does not know (as the vendor's decoder does); the rest is kept as ``undecoded`` hex.
"""

from __future__ import annotations

from typing import Any, Final

NAME: Final = "milesight-gs101"

# Device information records (channel 0xFF): type -> data length.
_INFO_LENGTHS: Final = {0x01: 1, 0x09: 2, 0x0A: 2, 0xFF: 2, 0x16: 8, 0x0F: 1, 0xFE: 1, 0x0B: 1}


# Value records: (channel, type) -> (field, data length, little-endian unsigned).
_VALUES: Final = {
    (0x05, 0x8E): ("gas_status", 1),
    (0x06, 0x01): ("valve_status", 1),
    (0x07, 0x01): ("relay_output_status", 1),
    (0x08, 0x90): ("life_remain", 4),
    (0xFF, 0x3F): ("alarm", 1),
}


def decode(frame: bytes) -> dict[str, Any] | str:
    values: dict[str, Any] = {}
    i = 0
    while i + 1 < len(frame):
        channel, kind = frame[i], frame[i + 1]
        body = frame[i + 2 :]
        known = _VALUES.get((channel, kind))
        if known is not None and len(body) >= known[1]:
            values[known[0]] = int.from_bytes(body[: known[1]], "little")
            i += 2 + known[1]
        elif channel == 0xFF and kind in _INFO_LENGTHS and len(body) >= _INFO_LENGTHS[kind]:
            if kind == 0x0A:
                values["firmware_version"] = f"v{body[0]}.{body[1]}"
            elif kind == 0x16:
                values["sn"] = body[:8].hex()
            i += 2 + _INFO_LENGTHS[kind]
        else:
            break
    if i < len(frame):
        if not values:
            return f"not a GS101 frame: {frame[:16].hex()}"
        values["undecoded"] = frame[i:][:32].hex()
    if not values:
        return "empty GS101 frame"
    return values
