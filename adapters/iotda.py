"""Huawei Cloud IoTDA data forwarding (HTTP push).

Shapes (Huawei's API reference, "Push a Device Property Reporting Notification" and
"Push a Device Status Change Notification"; sources in docs/adapters.md):

- ``resource: device.property``, ``event: report``: ``notify_data.body.services[]`` with
  ``service_id``, ``properties`` (named by the product model) and ``event_time``
  (``20260912T173041Z``);
- ``resource: device.status``, ``event: update``: ``body.status`` ``ONLINE`` (a heartbeat),
  ``OFFLINE`` or ``ABNORMAL`` (nothing: the gateway's lease decides);
- ``resource: device.message``: ``body.content``, understood when it is a JSON object of
  named values.

The values are read by the product's model (``header.product_id``, then the service's
``service_id``, chooses it: Huawei's reference ``smokeDetector`` service has one). The device
is found by ``header.node_id`` (the IMEI for NB-IoT devices), then
``header.device_id`` (the platform id). IoTDA does not sign pushes: HTTP push is
authenticated by the configured secret.
"""

from __future__ import annotations

from typing import Any

from adapters.base import Decoded, DeviceDirectory, IdentifierKind, RawMessage, Rejection
from adapters.events import Event
from adapters.platform import PlatformAdapter
from adapters.vendor import EventBuilder, collapse, json_object, reject, resolve, text


class IotdaAdapter(PlatformAdapter):
    name = "iotda"
    kinds: frozenset[IdentifierKind] = frozenset({"imei", "platform_id"})

    def decode_object(
        self, raw: dict[str, Any], message: RawMessage, directory: DeviceDirectory
    ) -> Decoded:
        resource = raw.get("resource")
        notify = raw.get("notify_data")
        if not isinstance(notify, dict):
            return reject(self.name, "missing_field:notify_data", "no notify_data object")
        header = notify.get("header")
        body = notify.get("body")
        if not isinstance(header, dict) or not isinstance(body, dict):
            return reject(self.name, "missing_field:header", "notify_data needs header and body")
        if resource == "device.property":
            return self._properties(raw, header, body, message, directory)
        if resource == "device.status":
            return self._status(raw, header, body, message, directory)
        if resource == "device.message":
            return self._message(raw, header, body, message, directory)
        return reject(self.name, "unknown_type", f"resource {resource!r} is not device data")

    def _properties(
        self,
        raw: dict[str, Any],
        header: dict[str, Any],
        body: dict[str, Any],
        message: RawMessage,
        directory: DeviceDirectory,
    ) -> Decoded:
        services = body.get("services")
        if not isinstance(services, list) or not services:
            return reject(self.name, "missing_field:services", "no services[] in the report")
        out: list[Event | Rejection] = []
        for index, service in enumerate(services[:100]):
            properties = service.get("properties") if isinstance(service, dict) else None
            if not isinstance(properties, dict):
                out.append(reject(self.name, "wrong_type:properties", f"services[{index}]"))
                continue
            at = service.get("event_time") or raw.get("event_time")
            products = [text(header.get("product_id")), text(service.get("service_id"))]
            result = self._values(properties, header, products, at, index, message, directory)
            out.extend([result] if isinstance(result, Rejection) else result)
        return collapse(out)

    def _message(
        self,
        raw: dict[str, Any],
        header: dict[str, Any],
        body: dict[str, Any],
        message: RawMessage,
        directory: DeviceDirectory,
    ) -> Decoded:
        content = body.get("content")
        if isinstance(content, str):
            content = json_object(content)
        if not isinstance(content, dict):
            return reject(self.name, "unsupported:content", "a message that is not named values")
        products = [text(header.get("product_id"))]
        return self._values(content, header, products, raw.get("event_time"), 0, message, directory)

    def _values(
        self,
        values: dict[str, Any],
        header: dict[str, Any],
        products: list[str | None],
        at: Any,
        index: int,
        message: RawMessage,
        directory: DeviceDirectory,
    ) -> list[Event | Rejection] | Rejection:
        device_type, summary = self._models.describe(products, values)
        device = resolve(
            directory,
            [text(header.get("node_id")), text(header.get("device_id"))],
            adapter=self.name,
            kinds=self.kinds,
            device_type=device_type,
            summary=summary,
        )
        if isinstance(device, Rejection):
            return device
        out = EventBuilder(adapter=self.name, message=message, device=device, part=index, at=at)
        return self._models.read(values, out, directory, products=products)

    def _status(
        self,
        raw: dict[str, Any],
        header: dict[str, Any],
        body: dict[str, Any],
        message: RawMessage,
        directory: DeviceDirectory,
    ) -> Decoded:
        status = body.get("status")
        if status not in ("ONLINE", "OFFLINE", "ABNORMAL"):
            return reject(self.name, "bad_value:status", f"status {status!r}")
        device = resolve(
            directory,
            [text(header.get("node_id")), text(header.get("device_id"))],
            adapter=self.name,
            kinds=self.kinds,
            device_type=None,
            summary="online/offline",
        )
        if isinstance(device, Rejection):
            return device
        if status != "ONLINE":
            return []
        out = EventBuilder(
            adapter=self.name,
            message=message,
            device=device,
            at=body.get("last_online_time") or raw.get("event_time"),
        )
        out.add("heartbeat", extra={"platform": "online"})
        return out.events
