"""The service: open the store, restore state, build the parts (``siteguard/assembly.py``),
start the tasks, and shut down in the order that loses nothing.

Start-up: database (wait for it, migrate, replay any spooled write-sets) -> restore registry,
device status and dedup window -> series writer -> pipeline -> API -> MQTT ingest.
Shutdown (SIGTERM/SIGINT): stop accepting -> pipeline drains -> series drains (to the server
or the spool) -> acknowledgements go out -> status flush -> disconnect -> API stops.

With ``ha.enabled`` this is the active instance's life, run by ``siteguard/ha.py`` while it
holds the lease (``fence``). If the lease is lost, the shutdown is the fenced one: nothing
more is committed, acknowledged or notified; the successor takes the rest from the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
from collections.abc import Awaitable, Callable

from sqlalchemy.engine import Connection

from api.sessions import AuthFailures, TokenUsage
from core.clock import Clock, SystemClock
from core.config import ConfigError, Settings
from core.ids import IdFactory
from gateway.commands import StoreUnavailable
from gateway.housekeeping import REFRESH_S, Housekeeping
from gateway.hub import EventHub
from gateway.ingest import quiet_noack
from gateway.metrics import Metrics
from gateway.periodic import periodic
from gateway.spool import Spool
from gateway.status import building_points, flush_dirty
from gateway.store.db import create_engine
from gateway.store.lease import Lease, session_name
from gateway.store.migrate import wait_for_database
from gateway.store.retention import prune, write_token_usage
from gateway.store.writer import StoreWriter
from reports.delivery import ReportDelivery
from siteguard.assembly import Parts, Shared, State, assemble

log = logging.getLogger(__name__)

_GC_YOUNG = 50_000  # allocations between young collections (Python's default: 700)


class Service:
    def __init__(
        self,
        *,
        settings: Settings,
        clock: Clock | None = None,
        metrics: Metrics | None = None,
        fence: Lease | None = None,
    ) -> None:
        if problems := settings.run_problems():
            raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
        self.settings = settings
        self.clock = clock or SystemClock()
        self.metrics = metrics or Metrics()
        self.fence = fence
        self.ids = IdFactory()
        self.api_port: int | None = None
        self.ready = asyncio.Event()
        self.hub = EventHub()
        self.auth_failures = AuthFailures(per_minute=settings.auth.failures_per_minute)
        self.token_usage = TokenUsage()

    async def run(self, stop: asyncio.Event) -> int:
        """Serve until ``stop`` is set (or a core task fails), then shut down gracefully.
        Returns the exit status: 1 after a core task failed (a supervisor restarts us)."""
        asyncio.get_running_loop().set_exception_handler(quiet_noack)
        parts = await self._open(stop)
        if parts is None:
            return 0
        await self._start(parts)
        stop_wait = asyncio.create_task(stop.wait())
        core = [parts.tasks[name] for name in ("pipeline", "series", "ingest", "api")]
        done, _ = await asyncio.wait([stop_wait, *core], return_when=asyncio.FIRST_COMPLETED)
        status = 0
        for task in done:
            if task is not stop_wait and not task.cancelled() and task.exception() is not None:
                log.error("task %s failed", task.get_name(), exc_info=task.exception())
                status = 1
        stop_wait.cancel()
        await self._shutdown(parts)
        return status

    async def _open(self, stop: asyncio.Event) -> Parts | None:
        """Database first (state is restored from it), then everything that depends on it."""
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            s.database.url,
            idle_in_transaction_ms=int(s.ha.lease_s * 500) if self.fence is not None else None,
            application_name=session_name(self.fence.instance) if self.fence is not None else None,
        )
        await wait_for_database(engine, stop, retry_max_s=s.database.retry_max_s)
        if stop.is_set():
            return None
        store = StoreWriter(
            engine=engine,
            spool=Spool(
                directory=s.data_dir / "spool" / "db", max_bytes=s.database.spool_max_bytes
            ),
            metrics=self.metrics,
            failed_dir=s.data_dir / "db-refused",
            retry_max_s=s.database.retry_max_s,
            fence=self.fence,
        )
        store_task = asyncio.create_task(store.run(), name="store-replay")
        # Write-sets spooled before a crash must land before state is read back.
        await store.wait_available()

        shared = Shared(
            settings=s,
            clock=self.clock,
            metrics=self.metrics,
            ids=self.ids,
            hub=self.hub,
            auth_failures=self.auth_failures,
            token_usage=self.token_usage,
            fence=self.fence,
        )
        state = State.empty(shared)
        pending = await store.run_in_store(lambda conn: state.restore(conn, shared))
        log.info(
            "restored %d devices, %d message ids, %d active alarms, %d pending notifications",
            len(state.registry),
            len(state.dedup),
            len(state.rules.book.all_active()),
            len(pending),
        )
        parts = assemble(shared, engine=engine, store=store, state=state, pending=pending)
        parts.tasks["store"] = store_task
        return parts

    async def _start(self, parts: Parts) -> None:
        # What start-up loaded (registry, status, alarms: long-lived, one per device) is
        # kept out of the cyclic collector's scans, and young collections run less often:
        # with 100,000 devices a full scan of them took longer than the messages it followed.
        gc.collect()
        gc.freeze()
        gc.set_threshold(_GC_YOUNG, *gc.get_threshold()[1:])
        s, tasks = self.settings, parts.tasks
        tasks["series"] = asyncio.create_task(parts.series.run(), name="series")
        tasks["notify"] = asyncio.create_task(parts.dispatcher.run(), name="notify")
        tasks["pipeline"] = asyncio.create_task(parts.pipeline.run(), name="pipeline")
        # Bind here, so a taken port fails start-up with a clear error and the port is known.
        listener = socket.create_server((s.api.host, s.api.port))
        self.api_port = listener.getsockname()[1]
        tasks["api"] = asyncio.create_task(parts.server.serve(sockets=[listener]), name="api")
        scheme = "https" if s.api.tls_cert_file else "http"
        log.info("API listening on %s://%s:%s", scheme, s.api.host, self.api_port)
        tasks["ingest"] = asyncio.create_task(parts.ingest.run(), name="ingest")
        self._loop(
            parts,
            lambda: flush_dirty(parts.store, parts.status),
            every_s=s.devices.status_flush_s,
            name="status",
        )
        housekeeping = Housekeeping(
            store=parts.store,
            registry=parts.registry,
            releaser=parts.releaser,
            clock=self.clock,
            prune=self._prune,
        )
        self._loop(parts, housekeeping.step, every_s=REFRESH_S, name="housekeeping")
        self._loop(
            parts, lambda: self._escalate(parts), every_s=s.tickets.scan_s, name="escalation"
        )
        if parts.risk is not None:
            self._loop(parts, parts.risk.tick, every_s=s.risk.scan_s, name="risk")
        self._loop(
            parts,
            lambda: self._add_status_points(parts),
            every_s=s.series.status_every_s,
            name="status_points",
        )
        if parts.exporter is not None:
            tasks["export"] = asyncio.create_task(parts.exporter.run(), name="export")
        if s.reports.deliver:
            delivery = ReportDelivery(
                engine=parts.engine,
                store=parts.store,
                dispatcher=parts.dispatcher,
                settings=s,
                clock=self.clock,
                ids=self.ids,
            )
            tasks["reports"] = asyncio.create_task(delivery.run(), name="reports")
        self.ready.set()

    async def _shutdown(self, parts: Parts) -> None:
        """Stop taking messages, make everything taken durable, acknowledge it, then close."""
        if self.fence is not None and not self.fence.holds():
            await self._shutdown_fenced(parts)
            return
        log.info("shutting down: draining what was accepted")
        tasks = parts.tasks
        parts.ingest.stop_accepting()
        await parts.pipeline.drain()
        await _finish(tasks["pipeline"])
        await parts.series.drain()
        await _finish(tasks["series"])
        await asyncio.sleep(0.05)  # let the PUBACKs of the last batches reach the socket
        await parts.ingest.close()
        await _finish(tasks["ingest"], cancel=True)
        for name in (
            "status",
            "housekeeping",
            "escalation",
            "risk",
            "status_points",
            "export",
            "reports",
        ):
            if name in tasks:
                await _finish(tasks[name], cancel=True)
        await flush_dirty(parts.store, parts.status)
        await parts.dispatcher.flush()
        await _finish(tasks["notify"], cancel=True)
        self.hub.close()  # open event streams end, so the API can stop
        parts.server.should_exit = True
        await _finish(tasks["api"])
        await _finish(tasks["store"], cancel=True)
        await parts.sink.close()
        parts.store.close()
        parts.engine.dispose()
        log.info("stopped")

    async def _shutdown_fenced(self, parts: Parts) -> None:
        """The lease is gone: commit, acknowledge and notify nothing more. Points already
        handed to the series writer are still written (rewriting a point is harmless, and
        the successor skips the messages it finds committed)."""
        log.warning("lease lost: standing down without committing or acknowledging")
        tasks = parts.tasks
        parts.ingest.stop_accepting()
        await _finish(tasks["pipeline"], cancel=True)
        await parts.series.drain()
        await _finish(tasks["series"])
        await parts.ingest.close()
        await _finish(tasks["ingest"], cancel=True)
        for name in (
            "status",
            "housekeeping",
            "escalation",
            "risk",
            "status_points",
            "export",
            "reports",
            "notify",
        ):
            if name in tasks:
                await _finish(tasks[name], cancel=True)
        self.hub.close()
        parts.server.should_exit = True
        await _finish(tasks["api"])
        await _finish(tasks["store"], cancel=True)
        await parts.sink.close()
        parts.store.close(wait=False)
        parts.engine.dispose()
        log.info("stood down")

    # ---- periodic work ----------------------------------------------------------------

    def _loop(
        self, parts: Parts, work: Callable[[], Awaitable[object]], *, every_s: float, name: str
    ) -> None:
        parts.tasks[name] = asyncio.create_task(
            periodic(work, every_s=every_s, name=name, clock=self.clock), name=name
        )

    async def _add_status_points(self, parts: Parts) -> None:
        """Devices online and alarms active per building, into the series."""
        parts.series.add(
            building_points(
                registry=parts.registry,
                status=parts.status,
                alarms=parts.pipeline.active_alarms(),
                ts_ms=self.clock.now_ms(),
            )
        )

    async def _escalate(self, parts: Parts) -> None:
        try:
            raised = await parts.ticket_commands.escalate_overdue()
        except StoreUnavailable:
            return
        if raised:
            self.metrics.tickets_escalated.inc(raised)
            log.info("escalated %d overdue ticket steps", raised)

    def _prune(self, conn: Connection) -> None:
        """Token use since the last time written; operational tables pruned (the audit log
        never is)."""
        write_token_usage(conn, self.token_usage.take())
        prune(conn, settings=self.settings, now_ms=self.clock.now_ms())


async def _finish(task: asyncio.Task[None], *, cancel: bool = False) -> None:
    if cancel:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        try:
            await task
        except Exception:
            log.exception("task %s failed during shutdown", task.get_name())
