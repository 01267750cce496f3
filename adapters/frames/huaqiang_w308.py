"""Huaqiang (华强) W308 NB-IoT smoke detector: the binary general data packet its firmware
sends as CTWing ``APPdata`` (and as China Unicom IoT ``datavalue``).

Source: a CTWing receiver of a Chinese fire-safety platform, wanghanhong/
springcloud_alibaba ``device-manage/device-message/.../parse/fire/smoke/huaqiang``
(``DeviceEntity.java`` quotes Huaqiang's protocol 4.2; ``HQSmokeParseStrategy.java`` and
``ResolutionProtocol.java`` hold sample frames with their decodes, which this decoder
reproduces). Layout: ``50 55`` ("PU") and a big-endian length of what follows, then type
(0x10 general data), index, version, device type (0x08 W308), maker (0x01), initiator,
operator, attributes (bits 11-10 encryption, low 10 bits body length), time (uint32 s since
2018-09-10 00:00 +08:00), IMEI (8 bytes, BCD with swapped nibbles), then a 27-byte body:
command (0x0800 general report), Alert (bit 0 smoke alarm, bit 2 battery low voltage, bit 7
device fault), DevCode (0 normal, 1 smoke self-test failed), DevMode (0 normal, 255 power
on), battery voltage ×100, battery %, temperature +100 °C, cell id, RSRP magnitude, last
smoke alarm time, last self-test time, self-test result, 4 reserved bytes. No checksum.
"""

from __future__ import annotations

from typing import Any, Final

NAME: Final = "huaqiang-w308"
_EPOCH: Final = 1_536_508_800  # 2018-09-10 00:00:00 +08:00 as a Unix time
_HEADER: Final = 25  # magic, length, and the 21 bytes before the body
_BODY: Final = 27


def _time(raw: int) -> int | None:
    return (_EPOCH + raw) * 1000 if raw else None


def _imei(raw: bytes) -> str:
    digits = "".join(f"{b & 0x0F}{b >> 4}" for b in raw)
    return digits[:15]


def decode(frame: bytes) -> dict[str, Any] | str:
    if len(frame) < 4 or frame[:2] != b"PU":
        return f"not a Huaqiang frame (no 'PU' header): {frame[:16].hex()}"
    length = int.from_bytes(frame[2:4], "big")
    if length != len(frame) - 4:
        return f"length {length} but {len(frame) - 4} bytes follow"
    if len(frame) < _HEADER + _BODY:
        return f"{len(frame)} bytes: too short for a general data packet"
    p = frame[4:]
    if p[0] != 0x10:
        return f"packet type {p[0]:#04x}: only general data packets (0x10) are decoded"
    attributes = int.from_bytes(p[7:9], "big")
    if (attributes >> 10) & 0x3:
        return "encrypted packet: turn encryption off for this device"
    if attributes & 0x3FF != _BODY:
        return f"body of {attributes & 0x3FF} bytes; the W308 report has {_BODY}"
    body = p[21 : 21 + _BODY]
    command = int.from_bytes(body[0:2], "big")
    if command != 0x0800:
        return f"command {command:#06x}: only general data reports (0x0800) are decoded"
    alert = body[2]
    return {
        "index": p[1],
        "device_kind": p[3],
        "time": _time(int.from_bytes(p[9:13], "big")),
        "imei": _imei(p[13:21]),
        "smoke_alarm": alert & 0x01,
        "low_voltage": (alert >> 2) & 0x01,
        "device_fault": (alert >> 7) & 0x01,
        "alert_bits": alert,
        "dev_code": body[3],
        "dev_mode": body[4],
        "battery_voltage": int.from_bytes(body[5:7], "big") / 100,
        "battery_percent": body[7],
        "temperature": body[8] - 100,
        "cell_id": int.from_bytes(body[9:13], "big"),
        "rsrp": -body[13],
        "smoke_time": _time(int.from_bytes(body[14:18], "big")),
        "self_test_time": _time(int.from_bytes(body[18:22], "big")),
        "self_test_result": body[22],
    }
