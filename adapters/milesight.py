"""Milesight LoRaWAN alarms through a network server: GS524N smoke, GS101 gas.

Uplink envelopes: ChirpStack v4 (``deviceInfo.devEui``, ``data`` base64, ``time``,
``rxInfo[].rssi``), ChirpStack v3 (``devEUI`` hex or base64, ``data``, ``rxInfo[].time``)
and The Things Stack v3 (``end_device_ids.dev_eui``, ``uplink_message.frm_payload``). The
DevEUI finds the device; the frame is decoded by its registered type (or, for a device not
yet registered, by its shape), after Milesight's public decoders (Milesight-IoT/
SensorDecoders, ``GS_Series/GS524N/GS524N_Decoder.js`` and ``GS_Series/GS101/
GS101_Decoder.js``):

GS524N, one 6-byte frame: version/protocol, sensor type (high nibble, 1 = smoke) and event
(low nibble: the shared smoke status codes), battery %, smoke concentration %, temperature
(int8 °C), and a checksum byte making the sum of all six 0 (mod 256).

GS101, channel/type records: ``05 8E`` gas status (1 alarm), ``06 01`` valve, ``07 01``
relay output, ``08 90`` sensor life remaining (uint32 LE, s), ``FF 3F`` device alarm
(0 power off, 1 power on, 2 fault, 3 fault recovered, 4 sensor about to expire, 5 sensor
expired), ``FF xx`` device information. The format has no lengths, so decoding stops at a
record it does not know (as Milesight's decoder does) and keeps the rest in ``extra``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final

from adapters import smoke_codes
from adapters.base import Decoded, DeviceDirectory, DeviceRef, RawMessage, Rejection
from adapters.vendor import (
    EventBuilder,
    JsonAdapter,
    number,
    reject,
    resolve,
    text,
)

# GS101 device-information records (channel 0xFF): type -> data length.
_INFO_LENGTHS: Final = {
    0x01: 1, 0x09: 2, 0x0A: 2, 0xFF: 2, 0x16: 8, 0x0F: 1, 0xFE: 1, 0x0B: 1,
}  # fmt: skip
_GS101_ALARMS: Final = {
    0: ("power off", "fault"),
    1: ("power on", None),
    2: ("device fault", "fault"),
    3: ("device fault recovered", "fault_clear"),
    4: ("sensor about to expire", "fault"),
    5: ("sensor expired", "fault"),
}


class MilesightAdapter(JsonAdapter):
    name = "milesight"

    def __init__(self, *, max_payload_bytes: int, topic_prefix: str = "siteguard/v1") -> None:
        super().__init__(max_payload_bytes=max_payload_bytes)
        self._topic_head = f"{topic_prefix}/vendor/{self.name}/"

    def decode_object(
        self, raw: dict[str, Any], message: RawMessage, directory: DeviceDirectory
    ) -> Decoded:
        uplink = _uplink(raw)
        if isinstance(uplink, str):
            return reject(self.name, uplink.split(" ", 1)[0], uplink)
        dev_eui, frame, at, rssi = uplink
        if dev_eui is None and message.topic.startswith(self._topic_head):
            dev_eui = message.topic[len(self._topic_head) :].split("/", 1)[0] or None
        shape = "smoke" if _is_gs524n(frame) else "gas" if frame else None
        device = resolve(
            directory,
            [dev_eui],
            adapter=self.name,
            device_type=shape,
            summary=_summary(frame, shape),
        )
        if isinstance(device, Rejection):
            return device
        out = EventBuilder(adapter=self.name, message=message, device=device, at=at)
        if not frame:
            out.add("heartbeat", rssi=rssi)  # an uplink without application data
            return out.events
        if device.device_type == "smoke":
            problem = self._gs524n(frame, rssi, out, directory, device)
        elif device.device_type == "gas":
            problem = self._gs101(frame, rssi, out, directory, device)
        else:
            problem = f"bad_value:data {device.device_type} devices are not Milesight alarms"
        if problem is not None:
            return reject(self.name, problem.split(" ", 1)[0], problem, device)
        return out.events

    def _gs524n(
        self,
        frame: bytes,
        rssi: float | None,
        out: EventBuilder,
        directory: DeviceDirectory,
        device: DeviceRef,
    ) -> str | None:
        if not _is_gs524n(frame):
            return f"bad_value:data not a GS524N frame: {frame[:16].hex()}"
        if sum(frame) % 256:
            return f"bad_checksum {frame.hex()}"
        code = frame[1] & 0x0F
        types = smoke_codes.events_for(code, directory, device.device_id)
        if types is None:
            return f"bad_value:event GS524N event {code}"
        temperature = frame[4] - 256 if frame[4] > 0x7F else frame[4]
        extra = {
            "event": smoke_codes.summary(code),
            "smoke_concentration_pct": frame[3],
            "temperature_c": temperature,
            "version": frame[0] >> 4,
        }
        for event_type in types:
            out.add(event_type, extra=extra, battery_pct=frame[2], rssi=rssi)
        return None

    def _gs101(
        self,
        frame: bytes,
        rssi: float | None,
        out: EventBuilder,
        directory: DeviceDirectory,
        device: DeviceRef,
    ) -> str | None:
        records = _records(frame)
        if isinstance(records, str):
            return records
        values, alarms = records
        extra = {k: v for k, v in values.items() if k not in ("gas_status", "fw")}
        aux: dict[str, Any] = {"rssi": rssi, "fw": values.get("fw")}
        gas = values.get("gas_status")
        if gas == 1:
            out.add("alarm", extra=extra, level="low", **aux)
        elif gas == 0 and directory.alarm_active("gas", device.device_id):
            out.add("alarm_clear", extra=extra, **aux)
        for code in alarms:
            name, event_type = _GS101_ALARMS.get(code, (f"alarm {code}", "fault"))
            if event_type is None and directory.alarm_active("device_fault", device.device_id):
                event_type = "fault_clear"  # powered on again after a power-off fault
            if event_type is not None:
                out.add(event_type, extra={**extra, "device_alarm": name}, **aux)
        if not out.events:
            out.add("heartbeat", extra=extra or None, **aux)
        return None


def _uplink(raw: dict[str, Any]) -> tuple[str | None, bytes, Any, float | None] | str:
    """(DevEUI, frame, time, best RSSI) from any of the envelopes, or why not."""
    if isinstance(raw.get("uplink_message"), dict):  # The Things Stack v3
        up = raw["uplink_message"]
        ids = raw.get("end_device_ids")
        dev_eui = text(ids.get("dev_eui")) if isinstance(ids, dict) else None
        data, at, rx = up.get("frm_payload"), raw.get("received_at"), up.get("rx_metadata")
    else:
        info = raw.get("deviceInfo")
        if isinstance(info, dict):  # ChirpStack v4
            dev_eui = text(info.get("devEui"))
            at = raw.get("time")
        else:  # ChirpStack v3: devEUI in hex, or base64 in its protobuf-JSON mode
            dev_eui = _v3_eui(raw.get("devEUI"))
            at = next(iter(_gateways(raw.get("rxInfo"))), {}).get("time")
        data, rx = raw.get("data"), raw.get("rxInfo")
    if data is None:
        frame = b""
    elif isinstance(data, str):
        try:
            frame = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return "bad_value:data data is not base64"
    else:
        return "wrong_type:data data is not a base64 string"
    levels = [number(gateway.get("rssi")) for gateway in _gateways(rx)]
    heard = [x for x in levels if x is not None and -200 <= x < 0]
    return dev_eui, frame, at, max(heard) if heard else None


def _gateways(rx: Any) -> list[dict[str, Any]]:
    return [g for g in rx if isinstance(g, dict)] if isinstance(rx, list) else []


def _v3_eui(value: Any) -> str | None:
    eui = text(value)
    if eui is None or len(eui) == 16:
        return eui
    try:
        decoded = base64.b64decode(eui, validate=True)
    except (binascii.Error, ValueError):
        return eui
    return decoded.hex().upper() if len(decoded) == 8 else eui


def _is_gs524n(frame: bytes) -> bool:
    return len(frame) == 6 and frame[1] >> 4 == 1


def _summary(frame: bytes, shape: str | None) -> str:
    if shape == "smoke":
        return smoke_codes.summary(frame[1] & 0x0F)
    records = _records(frame) if frame else "empty"
    if isinstance(records, tuple) and records[0].get("gas_status") == 1:
        return "gas alarm"
    return "data"


def _records(frame: bytes) -> tuple[dict[str, Any], list[int]] | str:
    """GS101 records into values and device alarm codes; why not, if none can be read."""
    values: dict[str, Any] = {}
    alarms: list[int] = []
    i = 0
    while i + 1 < len(frame):
        channel, kind = frame[i], frame[i + 1]
        body = frame[i + 2 :]
        if channel == 0x05 and kind == 0x8E and body:
            values["gas_status"] = body[0]
            i += 3
        elif channel == 0x06 and kind == 0x01 and body:
            values["valve"] = "open" if body[0] else "closed"
            i += 3
        elif channel == 0x07 and kind == 0x01 and body:
            values["relay"] = "on" if body[0] else "off"
            i += 3
        elif channel == 0x08 and kind == 0x90 and len(body) >= 4:
            values["life_remain_s"] = int.from_bytes(body[:4], "little")
            i += 6
        elif channel == 0xFF and kind == 0x3F and body:
            alarms.append(body[0])
            i += 3
        elif channel == 0xFF and kind in _INFO_LENGTHS and len(body) >= _INFO_LENGTHS[kind]:
            if kind == 0x0A:
                values["fw"] = f"v{body[0]}.{body[1]}"
            elif kind == 0x16:
                values["sn"] = body[:8].hex()
            i += 2 + _INFO_LENGTHS[kind]
        else:
            break
    if i < len(frame):
        if not values and not alarms:
            return f"bad_value:data not a GS101 frame: {frame[:16].hex()}"
        values["undecoded"] = frame[i:][:32].hex()
    return values, alarms
