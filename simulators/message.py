"""What a simulator publishes: a topic, exact payload bytes, and when (relative to a start)."""

from __future__ import annotations

from typing import Any

import msgspec

PREFIX = "siteguard/v1"
_encode = msgspec.json.Encoder().encode


class SimMessage(msgspec.Struct, frozen=True, kw_only=True, order=True):
    at_ms: int  # since the start of the run
    topic: str
    payload: bytes
    qos: int = 1


def canonical(
    at_ms: int,
    *,
    building: str,
    device_type: str,
    device: str,
    channel: str,
    payload: dict[str, Any],
    qos: int = 1,
    prefix: str = PREFIX,
) -> SimMessage:
    """A canonical message. Payloads keep the order they were built in, so the same seed
    gives the same bytes."""
    return SimMessage(
        at_ms=at_ms,
        topic=f"{prefix}/{building}/{device_type}/{device}/{channel}",
        payload=_encode(payload),
        qos=qos,
    )
