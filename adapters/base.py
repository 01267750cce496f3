"""The adapter interface and the values that cross it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol, runtime_checkable

import msgspec

from adapters.events import Event

# msgspec raises UnicodeDecodeError, not DecodeError, for invalid UTF-8 inside a JSON string.
DECODE_ERRORS = (msgspec.DecodeError, UnicodeDecodeError)


class RawMessage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Bytes as they arrived, before any decoding."""

    topic: str
    payload: bytes
    received_ms: int
    qos: int = 0
    source: str = "mqtt"  # "mqtt" or "http"
    # A message held for an unknown device, replayed once the device is registered: it is
    # recorded as history (events, series) but no longer drives status or rules.
    held_id: str | None = None
    held_for: str | None = None  # the identifier it was held under


class Rejection(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Why a message was not accepted. ``reason`` is a short, bounded code (a metric label)."""

    reason: str
    detail: str
    adapter: str
    device_id: str | None = None
    building_id: str | None = None
    # Set by vendor adapters for a device the registry does not know (reason
    # ``unknown_device``): the message is held under this IMEI / DevEUI / platform id
    # until the device is registered, rather than dead-lettered.
    identifier: str | None = None
    device_type: str | None = None  # what the payload looks like, for the pending list
    summary: str | None = None  # what it said, e.g. "alarm", for the pending list
    # The platform product it came from ("ctwing:15017088"), or the product model's id:
    # what unread fields are counted and noticed by (reason "unmapped:...").
    product: str | None = None


class DeviceRef(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    building_id: str
    device_type: str
    vendor: str | None = None  # as the registry has them: which product model reads it
    model: str | None = None


IdentifierKind = Literal["imei", "dev_eui", "platform_id", "device_id"]


class DeviceDirectory(Protocol):
    """What vendor adapters may ask of the gateway: the registered device behind an IMEI,
    DevEUI, platform id or device id, and whether an alarm of a kind is active on a device
    (a vendor's "normal" status code is a clear only after an alarm or a fault)."""

    def by_identifier(
        self, identifier: str, *, kinds: frozenset[IdentifierKind]
    ) -> DeviceRef | None:
        """The device whose identifier of one of these ``kinds`` is ``identifier``: an
        adapter finds only the devices its platform can name (a CTWing push cannot name a
        LoRaWAN DevEUI, nor any device by our own id)."""
        ...

    def alarm_active(self, kind: str, device_id: str) -> bool: ...


# What a message decodes to: a Rejection of the whole message, or its outcomes one by one
# (a platform batch may hold several devices' data, one of them unknown or malformed).
Decoded = Sequence[Event | Rejection] | Rejection


class Adapter(Protocol):
    """Decodes one source format. Must never raise on any input: bad input is a Rejection."""

    name: str

    def decode(self, message: RawMessage, directory: DeviceDirectory) -> Decoded: ...


class PushRequest(msgspec.Struct, frozen=True, kw_only=True):
    """An HTTP push as a platform sent it (header names in lower case)."""

    body: bytes
    headers: Mapping[str, str]
    query: Mapping[str, str]


@runtime_checkable
class SignedPush(Protocol):
    """An adapter whose platform signs its HTTP pushes."""

    def signs(self) -> bool:
        """Whether a signing key is configured (then the signature is required)."""
        ...

    def verify_push(self, request: PushRequest) -> str | None:
        """None when the platform's signature holds, else why not."""
        ...


class PushFreshness(msgspec.Struct, frozen=True, kw_only=True):
    """What a push's signature covers that tells a fresh push from a replayed one."""

    nonce: str | None = None  # single-use, as the platform's signature covers it
    sent_ms: int | None = None  # when it was sent, as the signature covers it


@runtime_checkable
class FreshPush(Protocol):
    """An adapter whose platform signs a nonce or a send time with its pushes."""

    def freshness(self, request: PushRequest) -> PushFreshness:
        """Read after ``verify_push`` accepted the request."""
        ...


@runtime_checkable
class PushHandshake(Protocol):
    """An adapter whose platform verifies the push URL with a GET before using it."""

    def handshake(self, query: Mapping[str, str]) -> str | None:
        """The body to answer the verification GET with, or None to refuse it."""
        ...
