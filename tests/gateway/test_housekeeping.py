"""The housekeeping step: registry changes picked up (and their held messages released),
pruning once a minute, and a database away skipped, not raised."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from core.clock import FakeClock
from gateway.housekeeping import Housekeeping


class FakeStore:
    def __init__(self) -> None:
        self.available = True
        self.fail = False

    async def run_in_store(self, work: Callable[[Any], Any]) -> Any:
        if self.fail:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
        return work(None)


class FakeRegistry:
    def __init__(self) -> None:
        self.changes = 0

    def refresh(self, conn: Any, *, now_ms: int) -> int:
        changed, self.changes = self.changes, 0
        return changed


class FakeReleaser:
    def __init__(self) -> None:
        self.released = 0

    async def release_registered(self) -> None:
        self.released += 1


def test_prunes_once_per_interval_and_releases_after_registry_changes() -> None:
    store, registry, releaser = FakeStore(), FakeRegistry(), FakeReleaser()
    now = [100.0]
    pruned: list[float] = []
    keeping = Housekeeping(
        store=store,  # type: ignore[arg-type]
        registry=registry,  # type: ignore[arg-type]
        releaser=releaser,  # type: ignore[arg-type]
        clock=FakeClock(),
        prune=lambda conn: pruned.append(now[0]),
        prune_every_s=60.0,
        monotonic=lambda: now[0],
    )

    async def steps() -> None:
        for _ in range(40):  # 80 s of two-second steps
            now[0] += 2.0
            if now[0] == 130.0:
                registry.changes = 3  # an import elsewhere
            await keeping.step()

    asyncio.run(steps())
    assert pruned == [160.0]  # a minute after it started, not on every step
    assert releaser.released == 1


def test_a_database_away_is_skipped_quietly(caplog: pytest.LogCaptureFixture) -> None:
    store, releaser = FakeStore(), FakeReleaser()
    pruned: list[int] = []
    keeping = Housekeeping(
        store=store,  # type: ignore[arg-type]
        registry=FakeRegistry(),  # type: ignore[arg-type]
        releaser=releaser,  # type: ignore[arg-type]
        clock=FakeClock(),
        prune=lambda conn: pruned.append(1),
        prune_every_s=0.0,
    )
    store.available = False  # write-sets are being spooled: nothing to refresh from
    asyncio.run(keeping.step())
    store.available, store.fail = True, True
    with caplog.at_level(logging.WARNING, logger="gateway.housekeeping"):
        asyncio.run(keeping.step())
    assert pruned == []
    assert "housekeeping skipped" in caplog.text
    assert all(r.exc_info is None for r in caplog.records)  # expected: no traceback
