"""Vendor formats for the simulators: canonical messages re-said as each platform says them.

``convert`` turns a stream of canonical messages into vendor messages on
``{prefix}/vendor/{adapter}/{identifier}`` (published so, or POSTed to the gateway's
``/api/v1/ingest/{adapter}`` by ``simulators.push``). A format that cannot say a message (a
gas fault in a format without one) leaves it canonical. Format names: an adapter's name
(e-bike devices always use ``ebike_board``), or ``mixed``: every device keeps one format
chosen from its id among those that can say everything it sends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Final

from adapters.base import DeviceRef, IdentifierKind, RawMessage, Rejection
from adapters.canonical import CanonicalAdapter
from simulators.formats.aliyun import AliyunEncoder
from simulators.formats.base import Encoder, dev_eui_of, imei_of, parse
from simulators.formats.ctwing import CtwingEncoder
from simulators.formats.ebike_board import EbikeBoardEncoder
from simulators.formats.iotda import IotdaEncoder
from simulators.formats.milesight import MilesightEncoder
from simulators.formats.onenet import OnenetEncoder
from simulators.message import PREFIX, SimMessage

ENCODERS: Final[dict[str, Encoder]] = {
    e.adapter: e
    for e in (
        CtwingEncoder(),
        OnenetEncoder(),
        IotdaEncoder(),
        AliyunEncoder(),
        MilesightEncoder(),
        EbikeBoardEncoder(),
    )
}
FORMATS: Final = ("canonical", "mixed", *ENCODERS)
# For "mixed": formats that say everything a device type's simulator sends (the GS101
# reports no gas concentration, so Milesight is for smoke alarms only).
_MIXED: Final = {
    "smoke": ("ctwing", "onenet", "iotda", "aliyun", "milesight"),
    "gas": ("ctwing", "onenet", "iotda", "aliyun"),
    "ebike": ("ebike_board",),
}


class _NoDevices:
    def by_identifier(
        self, identifier: str, *, kinds: frozenset[IdentifierKind]
    ) -> DeviceRef | None:
        return None

    def alarm_active(self, kind: str, device_id: str) -> bool:
        return False


_NO_DEVICES: Final = _NoDevices()


def format_of(fmt: str, device_id: str, device_type: str) -> str | None:
    """The adapter a device's messages go to under ``fmt`` (None: canonical)."""
    if fmt == "canonical" or device_type not in _MIXED:
        return None
    if device_type == "ebike":
        return "ebike_board"
    if fmt == "mixed":
        choices = _MIXED[device_type]
        pick = hashlib.blake2b(device_id.encode(), digest_size=2).digest()
        return choices[int.from_bytes(pick, "big") % len(choices)]
    return fmt if device_type in ENCODERS[fmt].device_types else None


def identifiers(fmt: str, device_id: str, device_type: str) -> dict[str, str]:
    """What to register the device with, so the gateway finds it from the vendor's messages."""
    adapter = format_of(fmt, device_id, device_type)
    if adapter == "milesight":
        return {"dev_eui": dev_eui_of(device_id)}
    if adapter in ("ctwing", "onenet", "iotda", "aliyun"):
        return {"imei": imei_of(device_id)}
    return {}


def convert(
    messages: Iterable[SimMessage], fmt: str, *, origin_wall_ms: int, prefix: str = PREFIX
) -> Iterator[SimMessage]:
    """The messages in ``fmt``, in the same order and at the same times."""
    if fmt == "canonical":
        yield from messages
        return
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    check = CanonicalAdapter(topic_prefix=prefix, max_payload_bytes=64 * 1024)
    for message in messages:
        raw = RawMessage(topic=message.topic, payload=message.payload, received_ms=0)
        if isinstance(check.decode(raw, _NO_DEVICES), Rejection):
            yield message  # malformed on purpose: re-saying it would change what it tests
            continue
        canonical = parse(
            message.topic, message.payload, prefix=prefix, wall_ms=origin_wall_ms + message.at_ms
        )
        adapter = canonical and format_of(fmt, canonical.device, canonical.device_type)
        encoded = ENCODERS[adapter].encode(canonical) if canonical and adapter else None
        if encoded is None:
            yield message
            continue
        yield SimMessage(
            at_ms=message.at_ms,
            topic=f"{prefix}/vendor/{encoded.adapter}/{encoded.identifier}",
            payload=encoded.payload,
            qos=message.qos,
        )
