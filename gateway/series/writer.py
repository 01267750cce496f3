"""Batches points, writes them to the sink, and spools them to disk when it cannot.

Two modes:
- direct: a full batch (``batch_size`` points) or the oldest point's age
  (``flush_interval_s``) triggers one write; at most one write is in flight.
- spooling: entered on the first failed write. Every new batch goes to the spool so that
  order is kept; a replayer sends spooled batches oldest first, backing off while the server
  stays away, and returns to direct mode once the spool is empty (also across restarts).

Each batch carries the futures of the pipeline batches whose points it holds; they are
resolved once the points are durable (written, or fsync'd in the spool), which is when the
messages may be acknowledged to the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

import msgspec

from core.backoff import Backoff
from core.config import SeriesConfig
from gateway.metrics import Metrics
from gateway.series.point import Point
from gateway.series.sinks.base import SeriesSink, SinkRejected, SinkUnavailable
from gateway.spool import Spool, SpoolFull

log = logging.getLogger(__name__)

_BACKLOG_BATCHES = 8
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(list[Point]).decode


class SeriesWriter:
    def __init__(
        self,
        *,
        sink: SeriesSink,
        spool: Spool,
        config: SeriesConfig,
        metrics: Metrics,
        rejected_dir: Path,
        on_room: Callable[[], None] = lambda: None,
    ) -> None:
        """``on_room`` is called when a full buffer has room again (the pipeline waits)."""
        self._sink = sink
        self._on_room = on_room
        self._spool = spool
        self._config = config
        self._metrics = metrics
        self._rejected_dir = rejected_dir
        self._points: list[Point] = []
        self._oldest = 0.0  # loop time when the oldest buffered point arrived
        # Points ever added / ever made durable; a waiter is due once stored reaches its mark.
        self._added = 0
        self._stored = 0
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()
        self._wake_flush = asyncio.Event()
        self._wake_replay = asyncio.Event()
        self._drained = asyncio.Event()
        self._spooling = not spool.empty()
        self._closing = False
        self._update_gauges()

    # ---- called by the pipeline -------------------------------------------------------

    def add(self, points: Sequence[Point], done: asyncio.Future[None] | None = None) -> None:
        """Buffer ``points``; resolve ``done`` once they and all earlier points are durable."""
        if points:
            if not self._points:
                self._oldest = asyncio.get_running_loop().time()
                self._wake_flush.set()
            self._points.extend(points)
            self._added += len(points)
            if len(self._points) >= self._config.batch_size:
                self._wake_flush.set()
        if done is not None:
            if self._added <= self._stored:
                done.set_result(None)
            else:
                self._waiters.append((self._added, done))

    @property
    def backlog(self) -> int:
        return len(self._points)

    @property
    def has_room(self) -> bool:
        """Backpressure: false while more than a few batches are buffered (a slow sink); the
        pipeline then takes no more bulk chunks, and ``on_room`` tells it when to resume."""
        return len(self._points) < self._config.batch_size * _BACKLOG_BATCHES

    @property
    def spooling(self) -> bool:
        return self._spooling

    # ---- tasks ------------------------------------------------------------------------

    async def run(self) -> None:
        """Flush loop and replay loop; returns once ``drain`` has emptied the buffer."""
        replay = asyncio.create_task(self._replay_loop(), name="series-replay")
        try:
            await self._flush_loop()
        finally:
            self._drained.set()
            replay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await replay

    async def drain(self) -> None:
        """Make everything buffered durable, then stop (graceful shutdown)."""
        self._closing = True
        self._wake_flush.set()
        await self._drained.wait()

    # ---- flushing ---------------------------------------------------------------------

    async def _flush_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._points:
                if self._closing:
                    return
                self._wake_flush.clear()
                await self._wake_flush.wait()
                continue
            due = self._oldest + self._config.flush_interval_s
            waiting = len(self._points) < self._config.batch_size and not self._closing
            if waiting and loop.time() < due:
                self._wake_flush.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake_flush.wait(), due - loop.time())
                continue
            batch = self._points[: self._config.batch_size]
            try:
                await self._store(batch)
            except SpoolFull as exc:
                # Hold: the waiting messages stay unacknowledged, so the broker keeps them
                # until the replayer has made room.
                log.error("series spool full, holding ingest: %s", exc)
                self._metrics.series_spool_full.set(1)
                if self._spool.empty():
                    # Nothing to replay, so the replayer will not end the spooling: the
                    # batch is larger than the whole budget. Try the sink again next time.
                    self._spooling = False
                await asyncio.sleep(self._config.retry_min_s)
                continue
            self._metrics.series_spool_full.set(0)
            full = not self.has_room
            del self._points[: len(batch)]
            if full and self.has_room:
                self._on_room()
            self._oldest = loop.time()
            self._stored += len(batch)
            while self._waiters and self._waiters[0][0] <= self._stored:
                _, waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)

    async def _store(self, batch: list[Point]) -> None:
        if not batch:
            return
        if not self._spooling:
            try:
                await self._sink.write(batch)
            except SinkUnavailable as exc:
                log.warning("series sink %s unavailable, spooling: %s", self._sink.name, exc)
                self._metrics.series_errors.labels("unavailable").inc()
                self._spooling = True
            except SinkRejected as exc:
                self._reject(batch, exc)
                return
            else:
                self._metrics.points_written.labels(self._sink.name).inc(len(batch))
                return
        await asyncio.to_thread(self._spool.append, _encode(batch))
        self._metrics.points_spooled.inc(len(batch))
        self._update_gauges()
        self._wake_replay.set()

    def _reject(self, batch: list[Point], exc: Exception) -> None:
        """Keep a refused batch aside for inspection rather than blocking the ones after it."""
        log.error("series sink %s refused %d points: %s", self._sink.name, len(batch), exc)
        self._metrics.series_errors.labels("rejected").inc()
        self._metrics.points_rejected.inc(len(batch))
        self._rejected_dir.mkdir(parents=True, exist_ok=True)
        path = self._rejected_dir / "rejected.msgpack"
        if not path.exists() or path.stat().st_size < 64 * 1024**2:
            with path.open("ab") as handle:
                handle.write(_encode(batch))

    # ---- replay -----------------------------------------------------------------------

    async def _replay_loop(self) -> None:
        backoff = Backoff(initial=self._config.retry_min_s, maximum=self._config.retry_max_s)
        failures = 0
        while True:
            if self._spool.empty():
                self._spooling = False
                self._update_gauges()
                self._wake_replay.clear()
                await self._wake_replay.wait()
                continue
            record = await asyncio.to_thread(self._spool.peek)
            if record is None:
                continue
            batch = _decode(record)
            try:
                await self._sink.write(batch)
            except SinkUnavailable as exc:
                self._metrics.series_errors.labels("unavailable").inc()
                log.info("series replay waiting %.1fs: %s", backoff.base(failures), exc)
                await asyncio.sleep(backoff.delay(failures))
                failures += 1
                continue
            except SinkRejected as exc:
                self._reject(batch, exc)
            else:
                self._metrics.points_written.labels(self._sink.name).inc(len(batch))
            failures = 0
            await asyncio.to_thread(self._spool.pop)
            self._update_gauges()

    def _update_gauges(self) -> None:
        self._metrics.series_spool_bytes.set(self._spool.size_bytes)
