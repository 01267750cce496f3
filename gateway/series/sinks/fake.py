"""An in-memory sink for tests, in the manner of ``httpx.MockTransport``: no socket, no file.

- ``batches`` (and ``points``, all of them in order): what was written; ``attempts``: how many
  writes were tried, failed ones too; ``closed``.
- ``down = True``: every write raises ``SinkUnavailable`` until it is set back to False;
  ``fail(times=1)``: the next ``times`` writes do; ``reject_next = n``: the next ``n`` raise
  ``SinkRejected``.
- ``hold()``: writes block until ``release()`` (a slow server).
- ``await wait_points(n)``: until ``n`` points were written; no polling, no sleep.

Hand one to the ``SeriesWriter`` directly, or through the registry:
``default_registry().with_plugins(sink.plugin()).create(settings, name="fake")``. It is not in
``default_registry()``: no configuration selects it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from gateway.series.point import Point
from gateway.series.sinks.base import SinkPlugin, SinkRejected, SinkUnavailable


class FakeSink:
    name = "fake"

    def __init__(self) -> None:
        self.batches: list[list[Point]] = []
        self.down = False
        self.reject_next = 0
        self.attempts = 0
        self.closed = False
        self._failures = 0
        self._open = asyncio.Event()
        self._open.set()
        self._written = asyncio.Event()

    def plugin(self) -> SinkPlugin:
        """This sink as the registry's ``fake``: whatever the settings, this very sink."""
        return SinkPlugin(name=self.name, build=lambda _settings: self)

    @property
    def points(self) -> list[Point]:
        return [point for batch in self.batches for point in batch]

    def fail(self, times: int = 1) -> None:
        """The next ``times`` writes raise SinkUnavailable."""
        self._failures += times

    def hold(self) -> None:
        """Writes block from now until ``release()``."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def write(self, points: Sequence[Point]) -> None:
        self.attempts += 1
        await self._open.wait()
        if self.down:
            raise SinkUnavailable("fake sink is down")
        if self._failures:
            self._failures -= 1
            raise SinkUnavailable("fake sink is told to fail")
        if self.reject_next:
            self.reject_next -= 1
            raise SinkRejected("fake sink refuses this batch")
        self.batches.append(list(points))
        self._written.set()

    async def wait_points(self, count: int) -> list[Point]:
        """Until ``count`` points were written; all of them."""
        while len(self.points) < count:
            self._written.clear()
            await self._written.wait()
        return self.points

    async def close(self) -> None:
        self.closed = True
