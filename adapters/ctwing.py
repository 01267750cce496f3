"""China Telecom CTWing (AEP, 天翼物联) HTTP subscription pushes.

Shapes (sources in docs/adapters.md and in each golden fixture):

- ``messageType: dataReport``: ``payload.serviceData`` of a profile product (Li'an smoke
  alarms: ``Alarm_Status``, ``Battery_Level``, ``RSRP``...; gas detectors:
  ``gas_sensor_state``, ``gas_value``...), or the values directly in ``payload``, or
  ``payload.APPdata`` (base64) of a pass-through product; ``payload`` may be a list.
- ``eventReport``: ``eventType`` 1 info, 2 warning, 3 fault, values in ``eventContent``.
- ``deviceOnlineOfflineReport``: ``eventType`` 1 online (a heartbeat), 0 offline (nothing:
  the gateway's own lease decides when a device is offline).
- ``commandResponse`` and ``dataReportTupUnion`` (a merged copy of data already pushed as
  ``dataReport``): nothing.

The device is found by ``IMEI``, then ``deviceId`` (the platform id), then ``deviceCode``.
CTWing does not sign pushes: HTTP push is authenticated by the configured secret.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final

from adapters.base import Decoded, DeviceDirectory, DeviceRef, RawMessage, Rejection
from adapters.properties import Properties
from adapters.vendor import (
    EventBuilder,
    JsonAdapter,
    integer,
    json_object,
    reject,
    resolve,
    text,
)

_IGNORED: Final = frozenset({"commandResponse", "dataReportTupUnion"})


class CtwingAdapter(JsonAdapter):
    name = "ctwing"

    def decode_object(
        self, raw: dict[str, Any], message: RawMessage, directory: DeviceDirectory
    ) -> Decoded:
        kind = raw.get("messageType")
        if not isinstance(kind, str):
            return self._reject("missing_field:messageType", "no messageType string")
        if kind in _IGNORED:
            return []
        if kind not in ("dataReport", "eventReport", "deviceOnlineOfflineReport"):
            return self._reject("unknown_type", f"messageType {kind!r} is not known")
        values = self._values(raw, kind)
        if isinstance(values, Rejection):
            return values
        props = Properties(values)
        device = resolve(
            directory,
            [
                text(raw.get("IMEI")),
                text(values.get("IMEI")),
                text(raw.get("deviceId")),
                text(raw.get("deviceCode")),
            ],
            adapter=self.name,
            device_type=props.device_type(),
            summary=props.summary() if kind != "deviceOnlineOfflineReport" else "online/offline",
        )
        if isinstance(device, Rejection):
            return device
        out = EventBuilder(
            adapter=self.name, message=message, device=device, at=raw.get("timestamp")
        )
        if kind == "deviceOnlineOfflineReport":
            return self._online(raw, out, device)
        if kind == "eventReport":
            return self._event(raw, props, out, directory, device)
        if not props.known:
            return self._reject(
                "unknown_fields", f"no known field in {sorted(values)[:12]}", device
            )
        return props.emit(out, directory)

    def _values(self, raw: dict[str, Any], kind: str) -> dict[str, Any] | Rejection:
        if kind == "deviceOnlineOfflineReport":
            return {}
        if kind == "eventReport":
            content = raw.get("eventContent")
            return content if isinstance(content, dict) else {}
        payload = raw.get("payload")
        if isinstance(payload, list) and payload:
            payload = payload[0]  # seen from Li'an products; one report per push
        if not isinstance(payload, dict):
            return self._reject("missing_field:payload", "dataReport without a payload object")
        if "APPdata" in payload:
            return self._appdata(payload["APPdata"])
        data = payload.get("serviceData", payload)
        if not isinstance(data, dict):
            return self._reject("wrong_type:serviceData", "serviceData is not an object")
        return data

    def _appdata(self, value: Any) -> dict[str, Any] | Rejection:
        """A pass-through product's bytes: understood when they are a JSON object (as several
        vendors send), otherwise kept as a dead letter for a decoder to be written."""
        try:
            body = base64.b64decode(value, validate=True) if isinstance(value, str) else None
        except (binascii.Error, ValueError):
            body = None
        if body is None:
            return self._reject("bad_value:APPdata", "APPdata is not base64")
        data = json_object(body)
        if data is None:
            return self._reject(
                "unsupported:APPdata", f"binary pass-through payload ({body[:32].hex()}...)"
            )
        return data

    def _online(self, raw: dict[str, Any], out: EventBuilder, device: DeviceRef) -> Decoded:
        state = integer(raw.get("eventType"))
        if state == 1:
            out.add("heartbeat", extra={"platform": "online"})
            return out.events
        if state == 0:
            return []
        return self._reject("bad_value:eventType", f"eventType {raw.get('eventType')!r}", device)

    def _event(
        self,
        raw: dict[str, Any],
        props: Properties,
        out: EventBuilder,
        directory: DeviceDirectory,
        device: DeviceRef,
    ) -> Decoded:
        level = integer(raw.get("eventType"))
        if props.known:
            return props.emit(out, directory)
        if level == 3:  # a fault, whatever its content says
            out.add("fault", extra={"event_type": level, **props.extra}, **props.aux())
            return out.events
        return self._reject(
            "unknown_fields", f"eventType {level!r} with no known field in {props.extra}", device
        )

    def _reject(self, reason: str, detail: str, device: DeviceRef | None = None) -> Rejection:
        return reject(self.name, reason, detail, device)
