"""The sink interface.

``write`` either stores the whole batch or raises:

- ``SinkUnavailable``: the server could not take it now (connection refused, timeout, 5xx,
  auth or missing database); the batch is kept and retried, in order.
- ``SinkRejected``: the server refused the data itself (HTTP 400); retrying cannot help, so
  the batch is set aside and counted instead of blocking every later batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from gateway.series.point import Point


class SinkUnavailable(Exception):
    pass


class SinkRejected(Exception):
    pass


class SeriesSink(Protocol):
    name: str

    async def write(self, points: Sequence[Point]) -> None: ...

    async def close(self) -> None: ...


def classify_http(status: int, body: str) -> Exception:
    """Map an unsuccessful write response onto the two failure kinds."""
    message = f"HTTP {status}: {body[:300]}"
    if status == 400:
        return SinkRejected(message)
    return SinkUnavailable(message)
