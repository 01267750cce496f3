"""China Mobile OneNET HTTP pushes (数据推送), the classic platform and OneNET Studio.

Envelope: ``{"msg": ..., "msg_signature" | "signature": ..., "nonce": ...}`` where ``msg``
is one message, a list of them (batched pushes), or, from OneNET Studio, a JSON string of
one. Signature: ``base64(md5(token + nonce + msg))`` over ``msg`` exactly as sent (the raw
JSON text; for Studio the string's content). Before using a URL, OneNET checks it with
``GET ?msg=..&nonce=..&signature=..`` and expects ``msg`` back.

Messages: ``type`` 1 a data point (``ds_id``, ``value``; LwM2M devices name it
``object_instance_resource``), 2 online (``status`` 1) or offline (0), 7 a command
result (nothing). Studio ``messageType`` ``notify`` carries ``data.params`` of named
values; ``lifeCycle`` is online/offline. Encrypted pushes (``enc_msg``) are refused with a
reason: turn encryption off for the push and use HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Final

import msgspec

from adapters.base import (
    DECODE_ERRORS,
    Decoded,
    DeviceDirectory,
    DeviceRef,
    IdentifierKind,
    PushFreshness,
    PushRequest,
    RawMessage,
    Rejection,
)
from adapters.events import Event
from adapters.models import ModelLibrary, ModelReader
from adapters.vendor import EventBuilder, collapse, integer, reject, resolve, text

# Standard LwM2M (OMA) resources that NB-IoT alarms report through OneNET, by
# object_resource (the instance does not matter): Device/Battery Level, Device/Firmware
# Version, Connectivity Monitoring/Radio Signal Strength, IPSO Digital Input State.
_LWM2M: Final = {
    "3_9": "battery_level",
    "3_3": "fw_version",
    "4_2": "signal",
    "3200_5500": "smoke_state",
}


class _Envelope(msgspec.Struct):
    msg: msgspec.Raw = msgspec.Raw(b"")  # raw: the signature covers it as sent
    enc_msg: msgspec.Raw = msgspec.Raw(b"")
    msg_signature: str | None = None
    signature: str | None = None
    nonce: str | None = None


_envelope = msgspec.json.Decoder(_Envelope)
_json = msgspec.json.Decoder()


def signature(token: str, nonce: str, msg: bytes) -> str:
    return base64.b64encode(hashlib.md5(token.encode() + nonce.encode() + msg).digest()).decode()  # noqa: S324 - OneNET's algorithm


def _same(expected: str, given: str) -> bool:
    """Compares signatures as OneNET sends them: in a query ``+`` may arrive as a space, and
    some of its SDKs use URL-safe base64 without padding."""
    given = given.strip().replace(" ", "+").replace("-", "+").replace("_", "/").rstrip("=")
    # Bytes: compare_digest refuses non-ASCII text (a forged signature is not an error).
    return hmac.compare_digest(expected.rstrip("=").encode(), given.encode())


class OnenetAdapter:
    name = "onenet"
    kinds: frozenset[IdentifierKind] = frozenset({"imei", "platform_id"})

    def __init__(
        self, *, max_payload_bytes: int, models: ModelLibrary, token: str | None = None
    ) -> None:
        self._max = max_payload_bytes
        self._token = token
        self._models = ModelReader(adapter=self.name, library=models)

    # ---- the platform's own authentication ---------------------------------------------

    def signs(self) -> bool:
        return self._token is not None

    def verify_push(self, request: PushRequest) -> str | None:
        if self._token is None:
            return "no OneNET token is configured (adapters.onenet.token)"
        try:
            envelope = _envelope.decode(request.body)
        except DECODE_ERRORS as exc:
            return f"not a OneNET push: {exc}"
        given = envelope.msg_signature or envelope.signature
        if not envelope.msg or given is None or envelope.nonce is None:
            return "msg, nonce and msg_signature are required"
        signed = _signed_text(bytes(envelope.msg))
        if _same(signature(self._token, envelope.nonce, signed), given):
            return None
        return "msg_signature does not match the configured token"

    def freshness(self, request: PushRequest) -> PushFreshness:
        """The signed nonce and, in the classic format, the newest ``at`` of the signed
        messages (the platform's time of the data: a retry carries the same one, so a push
        older than the replay window is a replay). OneNET Studio's ``time`` lies outside
        the signature and is not used."""
        try:
            envelope = _envelope.decode(request.body)
        except DECODE_ERRORS:
            return PushFreshness()
        sent = None
        raw = bytes(envelope.msg)
        if raw[:1] in (b"{", b"["):
            try:
                msg = _json.decode(raw)
            except DECODE_ERRORS:
                msg = None
            items = msg if isinstance(msg, list) else [msg]
            times = [integer(i.get("at")) for i in items if isinstance(i, dict)]
            known = [t for t in times if t is not None]
            sent = max(known) if known else None
        return PushFreshness(nonce=envelope.nonce, sent_ms=sent)

    def handshake(self, query: Mapping[str, str]) -> str | None:
        msg, nonce, given = query.get("msg"), query.get("nonce"), query.get("signature")
        if self._token is None or msg is None or nonce is None or given is None:
            return None
        expected = signature(self._token, nonce, msg.encode())
        return msg if _same(expected, given) else None

    # ---- decoding ----------------------------------------------------------------------

    def decode(self, message: RawMessage, directory: DeviceDirectory) -> Decoded:
        if len(message.payload) > self._max:
            return reject(self.name, "payload_too_large", f"{len(message.payload)} bytes")
        try:
            envelope = _envelope.decode(message.payload)
        except DECODE_ERRORS as exc:
            return reject(self.name, "not_json", str(exc))
        if envelope.enc_msg:
            return reject(
                self.name, "unsupported:enc_msg", "encrypted push: turn encryption off, use HTTPS"
            )
        if not envelope.msg:
            return reject(self.name, "missing_field:msg", "no msg in the push")
        try:
            body = _json.decode(_signed_text(bytes(envelope.msg)))
        except DECODE_ERRORS as exc:
            return reject(self.name, "bad_value:msg", f"msg is not JSON: {exc}")
        items = body if isinstance(body, list) else [body]
        if not items or len(items) > 1000:
            return reject(self.name, "bad_value:msg", f"{len(items)} messages in one push")
        out: list[Event | Rejection] = []
        for index, item, values in _reports(items):
            if not isinstance(item, dict):
                out.append(reject(self.name, "not_object", f"msg[{index}] is not an object"))
                continue
            result = self._one(item, values, index, message, directory)
            out.extend([result] if isinstance(result, Rejection) else result)
        return collapse(out)

    def _one(
        self,
        item: dict[str, Any],
        values: dict[str, Any],
        index: int,
        message: RawMessage,
        directory: DeviceDirectory,
    ) -> list[Event | Rejection] | Rejection:
        if "messageType" in item:
            return self._studio(item, index, message, directory)
        kind = integer(item.get("type"))
        if kind == 7:
            return []  # a cached command's result: nothing the device measured
        if kind not in (1, 2):
            return reject(self.name, "unknown_type", f"type {item.get('type')!r} is not known")
        if kind == 1 and not values:
            return reject(self.name, "missing_field:ds_id", "a data point needs ds_id")
        products = [text(item.get("product_id")), text(item.get("productId"))]
        device_type, summary = self._models.describe(products, values)
        device = resolve(
            directory,
            [text(item.get("imei")), text(item.get("dev_id")), text(item.get("dev_name"))],
            adapter=self.name,
            kinds=self.kinds,
            device_type=device_type,
            summary=summary if kind == 1 else "online/offline",
        )
        if isinstance(device, Rejection):
            return device
        out = self._builder(message, device, item.get("at"), index)
        if kind == 2:
            status = integer(item.get("status"))
            if status not in (0, 1):
                return reject(
                    self.name, "bad_value:status", f"status {item.get('status')!r}", device
                )
            if status == 1:
                out.add("heartbeat", extra={"platform": "online"})
            return list(out.events)
        return self._models.read(values, out, directory, products=products)

    def _studio(
        self, item: dict[str, Any], index: int, message: RawMessage, directory: DeviceDirectory
    ) -> list[Event | Rejection] | Rejection:
        kind = item.get("messageType")
        data = item.get("data")
        data = data if isinstance(data, dict) else {}
        values: dict[str, Any] = {}
        if kind == "notify":
            params = data.get("params")
            if isinstance(params, dict):
                for name, entry in params.items():
                    value = entry.get("value") if isinstance(entry, dict) else entry
                    values[_datastream(str(name))] = value
        elif kind != "lifeCycle":
            return (
                []
                if kind == "reply"
                else reject(self.name, "unknown_type", f"messageType {kind!r}")
            )
        products = [text(item.get("productId"))]
        device_type, summary = self._models.describe(products, values)
        device = resolve(
            directory,
            [text(item.get("imei")), text(item.get("deviceName")), text(item.get("deviceId"))],
            adapter=self.name,
            kinds=self.kinds,
            device_type=device_type,
            summary=summary if kind == "notify" else "online/offline",
        )
        if isinstance(device, Rejection):
            return device
        out = self._builder(message, device, data.get("time") or item.get("time"), index)
        if kind == "lifeCycle":
            if data.get("status") == "online":
                out.add("heartbeat", extra={"platform": "online"})
            return list(out.events)
        return self._models.read(values, out, directory, products=products)

    def _builder(self, message: RawMessage, device: DeviceRef, at: Any, index: int) -> EventBuilder:
        return EventBuilder(adapter=self.name, message=message, device=device, part=index, at=at)


def _reports(items: list[Any]) -> list[tuple[int, Any, dict[str, Any]]]:
    """The push's messages, with one device's data points of one moment merged into one
    report (its status, level and battery arrive as separate points but are one reading)."""
    out: list[tuple[int, Any, dict[str, Any]]] = []
    reports: dict[tuple[Any, ...], dict[str, Any]] = {}
    for index, item in enumerate(items):
        ds_id = text(item.get("ds_id")) if isinstance(item, dict) else None
        if ds_id is None or integer(item.get("type")) != 1 or "messageType" in item:
            out.append((index, item, {}))
            continue
        key = tuple(text(item.get(k)) for k in ("imei", "dev_id", "dev_name", "at"))
        if key in reports:
            reports[key][_datastream(ds_id)] = item.get("value")
            continue
        reports[key] = {_datastream(ds_id): item.get("value")}
        out.append((index, item, reports[key]))
    return out


def _signed_text(raw: bytes) -> bytes:
    """What the signature covers: the raw JSON of ``msg``, or a string's content."""
    if raw[:1] != b'"':
        return raw
    try:
        value = _json.decode(raw)
    except DECODE_ERRORS:
        return raw
    return value.encode() if isinstance(value, str) else raw


def _datastream(ds_id: str) -> str:
    """An LwM2M ``object_instance_resource`` id as the property it is, else the name."""
    parts = ds_id.split("_")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return _LWM2M.get(f"{parts[0]}_{parts[2]}", ds_id)
    return ds_id
