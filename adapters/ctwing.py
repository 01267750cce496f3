"""China Telecom CTWing (AEP, 天翼物联) HTTP subscription pushes.

Shapes (sources in docs/adapters.md and in each golden fixture):

- ``messageType: dataReport``: ``payload.serviceData`` of a profile product (Li'an smoke
  alarms: ``Alarm_Status``, ``Battery_Level``, ``RSRP``...; gas detectors:
  ``gas_sensor_state``, ``gas_value``...), or the values directly in ``payload``, or
  ``payload.APPdata`` (base64) of a pass-through product; ``payload`` may be a list.
- ``eventReport``: ``eventType`` 1 info, 2 warning, 3 fault, the product's values in
  ``eventContent``.
- ``deviceOnlineOfflineReport``: ``eventType`` 1 online (a heartbeat), 0 offline (nothing:
  the gateway's own lease decides when a device is offline).
- ``commandResponse`` and ``dataReportTupUnion`` (a merged copy of data already pushed as
  ``dataReport``): nothing.
- A body without ``messageType`` but with a ``payload`` object and a device identifier, as
  integrators forward CTWing data (``deviceCode``, ``productId``, ``IMEI``, ``protocol``,
  ``payload``: Li'an's gas detectors as ../shared/vendor-samples.md shows them): read as a
  ``dataReport``.

The product's values are read by its product model (``productId`` chooses it; binary
``APPdata`` is decoded by the model's frame decoder, never guessed). The device is found
by ``IMEI``, then ``deviceId`` (the platform id), then ``deviceCode``. CTWing does not sign
pushes: HTTP push is authenticated by the configured secret.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final

from adapters.base import Decoded, DeviceDirectory, DeviceRef, IdentifierKind, RawMessage, Rejection
from adapters.platform import PlatformAdapter
from adapters.vendor import EventBuilder, integer, json_object, reject, resolve, text

_IGNORED: Final = frozenset({"commandResponse", "dataReportTupUnion"})
_KINDS: Final = ("dataReport", "eventReport", "deviceOnlineOfflineReport")


class CtwingAdapter(PlatformAdapter):
    name = "ctwing"
    kinds: frozenset[IdentifierKind] = frozenset({"imei", "platform_id"})

    def decode_object(
        self, raw: dict[str, Any], message: RawMessage, directory: DeviceDirectory
    ) -> Decoded:
        kind = raw.get("messageType")
        if kind is None and isinstance(raw.get("payload"), dict | list) and _identifiers(raw):
            kind = "dataReport"  # a forwarded body without its envelope field: by content
        if not isinstance(kind, str):
            return self._reject("missing_field:messageType", "no messageType string")
        if kind in _IGNORED:
            return []
        if kind not in _KINDS:
            return self._reject("unknown_type", f"messageType {kind!r} is not known")
        products = [text(raw.get("productId"))]
        values = self._values(raw, kind)
        if isinstance(values, Rejection):
            return values
        frame = values if isinstance(values, bytes) else None
        named = values if isinstance(values, dict) else {}
        device_type, summary = self._models.describe(products, named)
        device = resolve(
            directory,
            [*_identifiers(raw), text(named.get("IMEI"))],
            adapter=self.name,
            kinds=self.kinds,
            device_type=device_type,
            summary=summary if kind != "deviceOnlineOfflineReport" else "online/offline",
        )
        if isinstance(device, Rejection):
            return device
        out = EventBuilder(
            adapter=self.name, message=message, device=device, at=raw.get("timestamp")
        )
        if kind == "deviceOnlineOfflineReport":
            return self._online(raw, out, device)
        if frame is not None:
            model = self._models.model(products, device)
            fields = self._models.frame(model, device, frame, products, what="APPdata")
            if isinstance(fields, Rejection):
                return fields
            return self._models.read(fields, out, directory, products=products, model=model)
        if kind == "eventReport" and integer(raw.get("eventType")) == 3:
            # CTWing's fault class: a fault, whatever the product names its content.
            content = {k[:64]: v for k, v in named.items() if isinstance(v, int | float | str)}
            out.add("fault", extra={"event_type": 3, **dict(list(content.items())[:16])})
        return self._models.read(named, out, directory, products=products)

    def _values(self, raw: dict[str, Any], kind: str) -> dict[str, Any] | bytes | Rejection:
        """The product's named values, or the raw bytes of a pass-through product."""
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

    def _appdata(self, value: Any) -> dict[str, Any] | bytes | Rejection:
        """A pass-through product's bytes: a JSON object (as several vendors send), or a
        binary frame for the product model's frame decoder."""
        try:
            body = base64.b64decode(value, validate=True) if isinstance(value, str) else None
        except (binascii.Error, ValueError):
            body = None
        if body is None:
            return self._reject("bad_value:APPdata", "APPdata is not base64")
        return json_object(body) or body

    def _online(self, raw: dict[str, Any], out: EventBuilder, device: DeviceRef) -> Decoded:
        state = integer(raw.get("eventType"))
        if state == 1:
            out.add("heartbeat", extra={"platform": "online"})
            return out.events
        if state == 0:
            return []
        return self._reject("bad_value:eventType", f"eventType {raw.get('eventType')!r}", device)

    def _reject(self, reason: str, detail: str, device: DeviceRef | None = None) -> Rejection:
        return reject(self.name, reason, detail, device)


def _identifiers(raw: dict[str, Any]) -> list[str]:
    found = [text(raw.get(k)) for k in ("IMEI", "imei", "deviceId", "deviceCode")]
    return [f for f in found if f]
