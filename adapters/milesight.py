"""Milesight LoRaWAN alarms through a network server: GS524N smoke, GS101 gas, and any
product a product model describes.

Uplink envelopes: ChirpStack v4 (``deviceInfo.devEui``, ``data`` base64, ``object`` when
the network server decoded it, ``time``, ``rxInfo[].rssi``), ChirpStack v3 (``devEUI`` hex
or base64, ``data``, ``object``, ``rxInfo[].time``), The Things Stack v3
(``end_device_ids.dev_eui``, ``uplink_message.frm_payload``, ``decoded_payload``), and a
decoded uplink on its own: the JSON Milesight's decoder makes of a frame (``battery``,
``concentration``, ``temperature``, ``event`` for a GS524N), as gateways with the decoder
built in publish it, the DevEUI in the body or the topic.

The DevEUI finds the device. Its product model (the registry's, else the one whose fields
or frame it is) reads the decoded values, or decodes the raw frame with its frame decoder
(``adapters/frames``: GS524N and GS101 after Milesight's public decoders). A frame no model
can decode is dead-lettered, never guessed; decoded fields no model reads are reported
(``unmapped:...``), never dropped for a bare heartbeat.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final

from adapters.base import Decoded, DeviceDirectory, IdentifierKind, RawMessage, Rejection
from adapters.frames import DECODERS, milesight_gs524n
from adapters.models import ModelLibrary
from adapters.platform import PlatformAdapter
from adapters.vendor import EventBuilder, number, reject, resolve, text

# Envelope keys of a decoded uplink published on its own: not the product's values.
_ENVELOPE: Final = frozenset({"deveui", "dev_eui", "deviceeui", "devEUI", "time", "rssi", "snr"})


class MilesightAdapter(PlatformAdapter):
    name = "milesight"
    kinds: frozenset[IdentifierKind] = frozenset({"dev_eui"})

    def __init__(
        self, *, max_payload_bytes: int, models: ModelLibrary, topic_prefix: str = "siteguard/v1"
    ) -> None:
        super().__init__(max_payload_bytes=max_payload_bytes, models=models)
        self._topic_head = f"{topic_prefix}/vendor/{self.name}/"

    def decode_object(
        self, raw: dict[str, Any], message: RawMessage, directory: DeviceDirectory
    ) -> Decoded:
        uplink = _uplink(raw)
        if isinstance(uplink, str):
            return reject(self.name, uplink.split(" ", 1)[0], uplink)
        dev_eui, frame, decoded, at, rssi = uplink
        if dev_eui is None and message.topic.startswith(self._topic_head):
            dev_eui = message.topic[len(self._topic_head) :].split("/", 1)[0] or None
        shaped = self._models.library.get(_shape_model(frame) or "")
        values = decoded or {}
        if not values and shaped is not None and shaped.spec.frame is not None:
            looked = DECODERS[shaped.spec.frame](frame)
            values = looked if isinstance(looked, dict) else {}
        device_type, summary = (shaped or self._models.model([], None, values)).describe(values)
        device = resolve(
            directory,
            [dev_eui],
            adapter=self.name,
            kinds=self.kinds,
            device_type=device_type,
            summary=summary,
        )
        if isinstance(device, Rejection):
            return device
        out = EventBuilder(adapter=self.name, message=message, device=device, at=at)
        defaults = {"rssi": rssi}
        if decoded:
            return self._models.read(decoded, out, directory, defaults=defaults)
        if not frame:
            out.add("heartbeat", rssi=rssi)  # an uplink without application data
            return list(out.events)
        model = self._models.model([], device)
        if model is self._models.library.generic and shaped is not None:
            model = shaped  # registered without a model: the frame's shape says which
        read = self._models.frame(model, device, frame, [])
        if isinstance(read, Rejection):
            return read
        return self._models.read(read, out, directory, model=model, defaults=defaults)


def _uplink(
    raw: dict[str, Any],
) -> tuple[str | None, bytes, dict[str, Any] | None, Any, float | None] | str:
    """(DevEUI, frame, decoded values, time, best RSSI) from any of the envelopes, or why
    not."""
    decoded: Any = None
    dev_eui: str | None
    if isinstance(raw.get("uplink_message"), dict):  # The Things Stack v3
        up = raw["uplink_message"]
        ids = raw.get("end_device_ids")
        dev_eui = text(ids.get("dev_eui")) if isinstance(ids, dict) else None
        data, at, rx = up.get("frm_payload"), raw.get("received_at"), up.get("rx_metadata")
        decoded = up.get("decoded_payload")
    elif not any(k in raw for k in ("deviceInfo", "data", "rxInfo")):
        # A decoded uplink on its own: the product's values, with the DevEUI at most.
        dev_eui = next((text(v) for k, v in raw.items() if k.lower() in _ENVELOPE_IDS), None)
        own = {k: v for k, v in raw.items() if k not in _ENVELOPE and k.lower() not in _ENVELOPE}
        return dev_eui, b"", own or None, raw.get("time"), number(raw.get("rssi"))
    else:
        info = raw.get("deviceInfo")
        if isinstance(info, dict):  # ChirpStack v4
            dev_eui = text(info.get("devEui"))
            at = raw.get("time")
        else:  # ChirpStack v3: devEUI in hex, or base64 in its protobuf-JSON mode
            dev_eui = _v3_eui(raw.get("devEUI"))
            at = next(iter(_gateways(raw.get("rxInfo"))), {}).get("time")
        data, rx = raw.get("data"), raw.get("rxInfo")
        decoded = raw.get("object")
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
    values = decoded if isinstance(decoded, dict) and decoded else None
    return dev_eui, frame, values, at, max(heard) if heard else None


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


def _shape_model(frame: bytes) -> str | None:
    """The model a raw frame of a device registered without one is: by its shape."""
    if not frame:
        return None
    return "milesight-gs524n" if milesight_gs524n.looks_like(frame) else "milesight-gs101"


_ENVELOPE_IDS: Final = frozenset({"deveui", "dev_eui", "deviceeui"})
