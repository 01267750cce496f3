"""An in-memory sink for tests: records batches and fails on command."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.series.point import Point
from gateway.series.sinks.base import SinkRejected, SinkUnavailable


class FakeSink:
    name = "fake"

    def __init__(self) -> None:
        self.batches: list[list[Point]] = []
        self.down = False
        self.reject_next = 0
        self.attempts = 0

    @property
    def points(self) -> list[Point]:
        return [point for batch in self.batches for point in batch]

    async def write(self, points: Sequence[Point]) -> None:
        self.attempts += 1
        if self.down:
            raise SinkUnavailable("fake sink is down")
        if self.reject_next:
            self.reject_next -= 1
            raise SinkRejected("fake sink refuses this batch")
        self.batches.append(list(points))

    async def close(self) -> None:
        pass
