"""The housekeeping, one step every few seconds: registry changes made elsewhere (an import)
picked up, the held messages of devices they registered released; and every minute the
operational tables pruned (``prune``: ``gateway.store.retention.prune`` and what the
composition root adds)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from sqlalchemy.engine import Connection

from core.clock import Clock
from gateway.device_index import DeviceIndex
from gateway.pending import PendingReleaser
from gateway.store.db import UNAVAILABLE
from gateway.store.writer import StoreWriter

log = logging.getLogger(__name__)

REFRESH_S = 2.0
PRUNE_EVERY_S = 60.0


class Housekeeping:
    def __init__(
        self,
        *,
        store: StoreWriter,
        registry: DeviceIndex,
        releaser: PendingReleaser,
        clock: Clock,
        prune: Callable[[Connection], None],
        prune_every_s: float = PRUNE_EVERY_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._registry = registry
        self._releaser = releaser
        self._clock = clock
        self._prune = prune
        self._prune_every_s = prune_every_s
        self._monotonic = monotonic
        self._pruned = monotonic()

    async def step(self) -> None:
        if not self._store.available:
            return
        try:
            changed = await self._store.run_in_store(
                functools.partial(self._registry.refresh, now_ms=self._clock.now_ms())
            )
            if changed:
                log.info("registry: %d buildings or devices changed", changed)
                await self._releaser.release_registered()  # registered by an import
            if self._monotonic() - self._pruned >= self._prune_every_s:
                self._pruned = self._monotonic()
                await self._store.run_in_store(self._prune)
        except UNAVAILABLE as exc:
            log.warning("housekeeping skipped: %s", exc.orig)
