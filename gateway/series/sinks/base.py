"""The sink interface.

``write`` either stores the whole batch or raises:

- ``SinkUnavailable``: the server could not take it now (connection refused, timeout, 5xx,
  auth or missing database); the batch is kept and retried, in order.
- ``SinkRejected``: the server refused the data itself (HTTP 400); retrying cannot help, so
  the batch is set aside and counted instead of blocking every later batch.

Each sink file declares its ``PLUGIN = SinkPlugin(name=..., build=...)``;
``gateway/series/sinks/registry.py`` collects them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.config import Settings
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


@dataclass(frozen=True, kw_only=True)
class SinkPlugin:
    name: str
    """The sink's name: ``embedded``, ``influx_v1``, ``influx_v2`` (``registry.configured``)."""
    build: Callable[[Settings], SeriesSink]
    """Makes the sink from the configuration (it reads its own section)."""
