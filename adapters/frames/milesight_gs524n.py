"""Milesight GS524N smoke detector, one 6-byte LoRaWAN frame.

Source: Milesight-IoT/SensorDecoders, ``gs-series/gs524n/README.md`` and its decoder
(earlier ``GS_Series/GS524N``): byte 0 firmware/protocol version (nibbles), byte 1 sensor
type (high nibble, 1 = smoke) and message type (low nibble), byte 2 battery %, byte 3 smoke
concentration %, byte 4 temperature (int8 °C), byte 5 a checksum making all six bytes sum
to 0 mod 256 (the vendor's decoder does not check it; we do).
"""

from __future__ import annotations

from typing import Any, Final

NAME: Final = "milesight-gs524n"


def decode(frame: bytes) -> dict[str, Any] | str:
    if len(frame) != 6 or frame[1] >> 4 != 1:
        return f"not a GS524N frame (6 bytes, sensor type 1): {frame[:16].hex()}"
    if sum(frame) % 256:
        return f"bad checksum: {frame.hex()}"
    return {
        "version": frame[0] >> 4,
        "protocol": frame[0] & 0x0F,
        "event": frame[1] & 0x0F,
        "battery": frame[2],
        "concentration": frame[3],
        "temperature": frame[4] - 256 if frame[4] > 0x7F else frame[4],
    }


def looks_like(frame: bytes) -> bool:
    return len(frame) == 6 and frame[1] >> 4 == 1
