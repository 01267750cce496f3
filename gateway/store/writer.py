"""The store writer: commits write-sets, or spools them while the database is down.

All database writes of the gateway run on one thread, in order, so that a status flush
never overtakes the write-set that registered its device and SQLite never sees two writers
of ours at once. While the database is unavailable, write-sets go to a disk spool (they are
then durable, and their messages may be acknowledged); a replayer applies them in order once
it is back.

With ``ha.enabled`` there is no spool for write-sets: a spool on one instance's disk would
be replayed behind the back of whichever instance is active by then. A write-set the
database cannot take raises ``StoreHeld`` instead (its messages stay unacknowledged in the
broker), and every transaction ends with the lease's fence check (``gateway/store/lease.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from core.backoff import Backoff
from gateway.metrics import Metrics
from gateway.spool import Spool
from gateway.store.db import UNAVAILABLE
from gateway.store.lease import Fence, Fenced
from gateway.store.writeset import WriteSet, WriteSetApplier, decode_writeset, encode_writeset

log = logging.getLogger(__name__)
T = TypeVar("T")


class StoreHeld(Exception):
    """The database cannot take the write-set now and no spool may (``ha.enabled``): the
    caller keeps it and tries again; nothing it covers is acknowledged meanwhile."""


class StoreWriter:
    def __init__(
        self,
        *,
        engine: Engine,
        spool: Spool,
        metrics: Metrics,
        failed_dir: Path,
        retry_max_s: float,
        fence: Fence | None = None,
    ) -> None:
        """``fence``: with ``ha.enabled``, the lease every transaction must still hold."""
        self._engine = engine
        self._fence = fence
        self._spool = spool
        self._metrics = metrics
        self._failed_dir = failed_dir
        self._backoff = Backoff(initial=0.5, maximum=retry_max_s)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._applier = WriteSetApplier()
        self._order = asyncio.Lock()  # spool appends vs. replay: keeps write-sets in order
        self._wake_replay = asyncio.Event()
        self._down = not spool.empty()
        self._up = asyncio.Event()
        if not self._down:
            self._up.set()
        self._update_gauges()

    @property
    def available(self) -> bool:
        """True when write-sets go straight to the database (nothing spooled)."""
        return not self._down

    async def wait_available(self) -> None:
        """Until spooled write-sets (from before a restart, say) have all been applied."""
        await self._up.wait()

    async def run_in_store(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in one transaction on the store thread."""

        def work() -> T:
            with self._engine.begin() as conn:
                result = fn(conn)
                if self._fence is not None:
                    self._fence.check(conn)
                return result

        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def commit(self, ws: WriteSet) -> None:
        """Make ``ws`` durable: committed, or spooled. Raises SpoolFull when neither can be."""
        if ws.is_empty():
            return
        if self._fence is not None:
            await self._commit_fenced(ws)
            return
        async with self._order:
            if not self._down:
                try:
                    await self._apply_timed(ws)
                except UNAVAILABLE as exc:
                    log.warning("database unavailable, spooling write-sets: %s", exc.orig)
                    self._metrics.db_errors.labels("unavailable").inc()
                    self._set_down(True)
                except sa.exc.SQLAlchemyError as exc:
                    self._quarantine(ws, exc)
                    return
                else:
                    return
            await asyncio.to_thread(self._spool.append, encode_writeset(ws))
            self._update_gauges()
            self._wake_replay.set()

    async def _commit_fenced(self, ws: WriteSet) -> None:
        if self._fence is not None and not self._fence.holds():
            self._metrics.ha_fenced.labels("commit").inc()
            raise Fenced("the lease ran out")
        async with self._order:
            try:
                await self._apply_timed(ws)
            except Fenced:
                self._metrics.ha_fenced.labels("commit").inc()
                raise
            except UNAVAILABLE as exc:
                self._metrics.db_errors.labels("unavailable").inc()
                self._metrics.db_unavailable.set(1)
                raise StoreHeld(str(exc.orig)) from None
            except sa.exc.SQLAlchemyError as exc:
                self._quarantine(ws, exc)
        self._metrics.db_unavailable.set(0)

    async def run(self) -> None:
        """Replay spooled write-sets whenever there are some."""
        failures = 0
        while True:
            if self._spool.empty():
                self._wake_replay.clear()
                await self._wake_replay.wait()
                continue
            async with self._order:
                record = await asyncio.to_thread(self._spool.peek)
                if record is None:
                    continue
                ws = decode_writeset(record)
                try:
                    await self.run_in_store(functools.partial(self._applier.apply, ws=ws))
                except UNAVAILABLE as exc:
                    self._metrics.db_errors.labels("unavailable").inc()
                    log.info(
                        "database still unavailable, next try in %.1fs: %s",
                        self._backoff.base(failures),
                        exc.orig,
                    )
                    wait = self._backoff.delay(failures)
                    failures += 1
                except sa.exc.SQLAlchemyError as exc:
                    self._quarantine(ws, exc)
                    wait = 0.0
                else:
                    wait = 0.0
                    failures = 0
                if wait == 0.0:
                    await asyncio.to_thread(self._spool.pop)
                    self._update_gauges()
                    if self._spool.empty():
                        log.info("database back; spooled write-sets replayed")
                        self._set_down(False)
            if wait:
                await asyncio.sleep(wait)

    def close(self, *, wait: bool = True) -> None:
        """``wait=False``: for a fenced stand-down, where a transaction may hang on a database
        this machine can no longer reach (it can no longer commit either way)."""
        self._executor.shutdown(wait=wait, cancel_futures=not wait)

    async def _apply_timed(self, ws: WriteSet) -> None:
        """Apply and commit ``ws`` on the store thread, timing the transaction itself."""

        def work() -> None:
            started = time.perf_counter()
            with self._engine.begin() as conn:
                self._applier.apply(conn, ws)
                if self._fence is not None:
                    self._fence.check(conn)
            self._metrics.store_commit.observe(time.perf_counter() - started)

        await asyncio.get_running_loop().run_in_executor(self._executor, work)

    def _set_down(self, down: bool) -> None:
        self._down = down
        if down:
            self._up.clear()
        else:
            self._up.set()
        self._metrics.db_unavailable.set(1 if down else 0)

    def _quarantine(self, ws: WriteSet, exc: Exception) -> None:
        """A write-set the database refuses (a bug, not an outage): keep it, report it, go on."""
        log.error("database refused a write-set; kept in %s: %s", self._failed_dir, exc)
        self._metrics.db_errors.labels("refused").inc()
        self._failed_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            path = self._failed_dir / f"{time.time_ns()}.msgpack"
            path.write_bytes(encode_writeset(ws))

    def _update_gauges(self) -> None:
        self._metrics.db_spool_bytes.set(self._spool.size_bytes)
