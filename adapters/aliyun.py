"""Alibaba Cloud IoT Platform (阿里云物联网平台) server-side subscription and data forwarding.

Shapes (Alibaba's "数据格式" reference; sources in docs/adapters.md):

- property post: ``{"iotId", "productKey", "deviceName", "gmtCreate", "items":
  {"SmokeSensorState": {"value": 1, "time": ...}, ...}}``;
- event post: ``{"identifier", "type": "info" | "alert" | "error", "value": {...}, "time"}``;
- device status: ``{"status": "online" | "offline", "productKey", "deviceName",
  "utcTime", ...}``: online is a heartbeat, offline nothing (the gateway's lease decides).

The values are read by the product's model (``productKey`` chooses it, else its fields).
The device is found by ``deviceName`` (usually the IMEI or serial), then ``iotId`` (the
platform id). Alibaba does not sign forwarded messages: HTTP push is authenticated by the
configured secret.
"""

from __future__ import annotations

from typing import Any

from adapters.base import Decoded, DeviceDirectory, IdentifierKind, RawMessage, Rejection
from adapters.platform import PlatformAdapter
from adapters.vendor import EventBuilder, reject, resolve, text


class AliyunAdapter(PlatformAdapter):
    name = "aliyun"
    kinds: frozenset[IdentifierKind] = frozenset({"imei", "platform_id"})

    def decode_object(
        self, raw: dict[str, Any], message: RawMessage, directory: DeviceDirectory
    ) -> Decoded:
        identifiers = [text(raw.get("deviceName")), text(raw.get("iotId"))]
        if "status" in raw and "items" not in raw:
            return self._status(raw, identifiers, message, directory)
        if "items" in raw:
            items = raw["items"]
            if not isinstance(items, dict):
                return reject(self.name, "wrong_type:items", "items is not an object")
            values = {
                name: entry.get("value") if isinstance(entry, dict) else entry
                for name, entry in items.items()
            }
            times = [e.get("time") for e in items.values() if isinstance(e, dict)]
            at = max((t for t in times if isinstance(t, int)), default=raw.get("gmtCreate"))
            event_type = None
        elif "identifier" in raw:
            value = raw.get("value")
            values = dict(value) if isinstance(value, dict) else {}
            if not values and isinstance(raw["identifier"], str):
                values = {raw["identifier"]: 1}  # an event that is its own alarm, e.g. TamperAlarm
            at = raw.get("time") or raw.get("gmtCreate")
            event_type = raw.get("type")
        else:
            return reject(self.name, "unknown_type", "neither items, an event nor a status")
        products = [text(raw.get("productKey"))]
        device_type, summary = self._models.describe(products, values)
        device = resolve(
            directory,
            identifiers,
            adapter=self.name,
            kinds=self.kinds,
            device_type=device_type,
            summary=summary,
        )
        if isinstance(device, Rejection):
            return device
        out = EventBuilder(adapter=self.name, message=message, device=device, at=at)
        model = self._models.model(products, device, values)
        if event_type == "error" and not model.reads_any(values):
            # The product says it is a fault, whatever its model calls it.
            said = {k[:64]: v for k, v in values.items() if isinstance(v, int | float | str)}
            out.add("fault", extra={"identifier": raw.get("identifier"), **said})
        return self._models.read(values, out, directory, products=products, model=model)

    def _status(
        self,
        raw: dict[str, Any],
        identifiers: list[str | None],
        message: RawMessage,
        directory: DeviceDirectory,
    ) -> Decoded:
        status = raw.get("status")
        if status not in ("online", "offline"):
            return reject(self.name, "bad_value:status", f"status {status!r}")
        device = resolve(
            directory,
            identifiers,
            adapter=self.name,
            kinds=self.kinds,
            device_type=None,
            summary="online/offline",
        )
        if isinstance(device, Rejection):
            return device
        if status == "offline":
            return []
        out = EventBuilder(adapter=self.name, message=message, device=device, at=raw.get("utcTime"))
        out.add("heartbeat", extra={"platform": "online"})
        return out.events
