"""The service, assembled in one place: open the store, restore state, start the tasks,
and shut down in the order that loses nothing.

Start-up: database (wait for it, migrate, replay any spooled write-sets) -> restore registry,
device status and dedup window -> series writer -> pipeline -> API -> MQTT ingest.
Shutdown (SIGTERM/SIGINT): stop accepting -> pipeline drains -> series drains (to the server
or the spool) -> acknowledgements go out -> status flush -> disconnect -> API stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import random
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from sys import intern

import sqlalchemy as sa
import uvicorn
from sqlalchemy.engine import Connection, Engine

from adapters.models import ModelLibrary
from adapters.registry import default_registry
from alerting.rule_engine import RuleEngine
from api import ApiContext, create_app
from api.limits import HttpLimits
from api.sessions import AuthFailures, TokenUsage
from core.clock import Clock, SystemClock
from core.config import ConfigError, Settings
from core.ids import IdFactory
from gateway.collector import Collector
from gateway.commands import AlarmCommands, RegistryCommands, StoreUnavailable, TicketCommands
from gateway.dedup import Deduplicator
from gateway.device_index import DeviceIndex
from gateway.directory import Directory
from gateway.export import TicketExporter
from gateway.http_ingest import HttpIngest
from gateway.hub import EventHub
from gateway.ingest import MqttIngest, quiet_noack
from gateway.intake import Intake, UrgencyRule
from gateway.metrics import Metrics
from gateway.notification import Notification
from gateway.notify.dispatcher import Dispatcher
from gateway.notify.factory import create_notifiers
from gateway.notify.routing import Router
from gateway.pending import PendingReleaser, prune_pending
from gateway.pipeline import Pipeline
from gateway.processor import Processor
from gateway.series.point import status_points
from gateway.series.sinks import SeriesSink, create_sink
from gateway.series.writer import SeriesWriter
from gateway.spool import Spool
from gateway.status import StatusTracker, flush_status
from gateway.store import schema
from gateway.store.alarms import active_alarms
from gateway.store.db import UNAVAILABLE, create_engine
from gateway.store.migrate import upgrade
from gateway.store.retention import keep_newest, write_token_usage
from gateway.store.writer import StoreWriter
from gateway.tickets import TicketDesk
from gateway.unread import UnreadFields
from reports.delivery import ReportDelivery
from reports.report import settings_from

log = logging.getLogger(__name__)

_GC_YOUNG = 50_000  # allocations between young collections (Python's default: 700)
_HOUSEKEEPING_S = 60.0
_STATUS_SLICE = 1_000
_REGISTRY_REFRESH_S = 2.0
# Events this recent tell the rules which queued telemetry they overtook (Engine.restore).
_EVENT_TIMES_HORIZON_MS = 86_400_000


class _Server(uvicorn.Server):
    """Uvicorn without its own signal handling: the service owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass(kw_only=True)
class _Parts:
    engine: Engine
    store: StoreWriter
    status: StatusTracker
    sink: SeriesSink
    series: SeriesWriter
    pipeline: Pipeline
    dispatcher: Dispatcher
    registry: DeviceIndex
    ticket_commands: TicketCommands
    releaser: PendingReleaser
    exporter: TicketExporter | None
    ingest: MqttIngest
    server: uvicorn.Server
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)


class Service:
    def __init__(self, *, settings: Settings, clock: Clock | None = None) -> None:
        if not settings.mqtt.url:
            raise ConfigError("invalid configuration:\n  mqtt.url: required (mqtt://host:port)")
        self.settings = settings
        self.clock = clock or SystemClock()
        self.metrics = Metrics()
        self.ids = IdFactory()
        self.api_port: int | None = None
        self.ready = asyncio.Event()
        self.hub = EventHub()
        self.auth_failures = AuthFailures(per_minute=settings.auth.failures_per_minute)
        self.token_usage = TokenUsage()

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set (or a core task fails), then shut down gracefully."""
        asyncio.get_running_loop().set_exception_handler(quiet_noack)
        parts = await self._open(stop)
        if parts is None:
            return
        await self._start(parts)
        stop_wait = asyncio.create_task(stop.wait())
        core = [parts.tasks[name] for name in ("pipeline", "series", "ingest", "api")]
        done, _ = await asyncio.wait([stop_wait, *core], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stop_wait and not task.cancelled() and task.exception() is not None:
                log.error("task %s failed", task.get_name(), exc_info=task.exception())
        stop_wait.cancel()
        await self._shutdown(parts)

    async def _open(self, stop: asyncio.Event) -> _Parts | None:
        """Database first (state is restored from it), then everything that depends on it."""
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(s.database.url)
        await self._wait_for_database(engine, stop)
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
        )
        store_task = asyncio.create_task(store.run(), name="store-replay")
        # Write-sets spooled before a crash must land before state is read back.
        await store.wait_available()

        registry = DeviceIndex()
        status = StatusTracker(config=s.devices)
        dedup = Deduplicator(window_ms=s.ingest.dedup_window_s * 1000)
        rules = RuleEngine(
            rules=s.alerting,
            devices=s.devices,
            repeat_critical_s=s.notify.repeat_critical_s,
            ids=self.ids,
        )
        unread = UnreadFields(metrics=self.metrics, ids=self.ids, timezone=s.timezone)
        pending: list[Notification] = await store.run_in_store(
            lambda conn: self._restore(conn, registry, status, dedup, rules, unread)
        )
        log.info(
            "restored %d devices, %d message ids, %d active alarms, %d pending notifications",
            len(registry),
            len(dedup),
            len(rules.book.all_active()),
            len(pending),
        )
        hub = self.hub
        desk = TicketDesk(config=s.tickets, registry=registry, ids=self.ids)

        def describe(building_id: str) -> str | None:
            info = registry.building(building_id)
            return info.name if info is not None else None

        dispatcher = Dispatcher(
            notifiers=create_notifiers(s.notify, describe),
            router=Router(s.notify.routes),
            store=store,
            metrics=self.metrics,
            clock=self.clock,
        )
        dispatcher.enqueue(pending)

        wake = asyncio.Event()  # the pipeline's: work arrived, or room in the series buffer
        sink = create_sink(s)
        series = SeriesWriter(
            sink=sink,
            spool=Spool(
                directory=s.data_dir / "spool" / "series",
                max_bytes=s.series.spool_max_bytes,
                fsync=s.series.fsync,
            ),
            config=s.series,
            metrics=self.metrics,
            rejected_dir=s.data_dir / "series-rejected",
            on_room=wake.set,
        )
        onenet_token = s.adapters.onenet.token
        models = ModelLibrary.load(s.adapters.models_dir)
        log.info("product models: %s", ", ".join(models.ids()))
        adapters = default_registry(
            topic_prefix=s.mqtt.topic_prefix,
            max_payload_bytes=s.ingest.max_payload_bytes,
            onenet_token=onenet_token.get_secret_value() if onenet_token else None,
            models=models,
        )
        directory = Directory(registry=registry, book=rules.book)
        intake = Intake(
            batch_max=s.ingest.batch_max,
            urgent_batch_max=s.ingest.urgent_batch_max,
            is_urgent=UrgencyRule(
                adapters=adapters, directory=directory, topic_prefix=s.mqtt.topic_prefix
            ),
            wake=wake.set,
            max_pending=s.ingest.intake_max,
            dropped=self.metrics.intake_dropped.inc,
        )
        collector = Collector(engine=rules, status=status, tickets=desk, metrics=self.metrics)
        pipeline = Pipeline(
            intake=intake,
            processor=Processor(
                adapters=adapters,
                registry=registry,
                dedup=dedup,
                status=status,
                engine=rules,
                collector=collector,
                metrics=self.metrics,
                clock=self.clock,
                ids=self.ids,
                ingest=s.ingest,
                devices=s.devices,
                unread=unread,
            ),
            collector=collector,
            engine=rules,
            store=store,
            series=series,
            hub=hub,
            dispatcher=dispatcher,
            metrics=self.metrics,
            clock=self.clock,
            wake=wake,
        )
        ingest = MqttIngest(
            config=s.mqtt,
            submit=intake.submit,
            clock=self.clock,
            metrics=self.metrics,
        )

        releaser = PendingReleaser(submit=intake.submit, store=store, registry=registry)
        ticket_commands = TicketCommands(
            pipeline=pipeline,
            store=store,
            desk=desk,
            ids=self.ids,
            escalate_every_ms=s.tickets.escalate_every_s * 1000,
        )
        exporter = None
        if s.tickets.export_url:
            token = s.tickets.export_token
            exporter = TicketExporter(
                url=s.tickets.export_url,
                token=token.get_secret_value() if token else None,
                timeout_s=s.tickets.export_timeout_s,
                store=store,
                metrics=self.metrics,
                clock=self.clock,
            )

        def readiness() -> list[str]:
            problems = []
            if not ingest.subscribed:
                problems.append("mqtt: not subscribed")
            if not store.available:
                problems.append("database: unavailable, write-sets are being spooled")
            return problems

        app = create_app(
            context=ApiContext(
                engine=engine,
                clock=self.clock,
                admin_token=s.auth.admin_token.get_secret_value() if s.auth.admin_token else None,
                readiness=readiness,
                render_metrics=self.metrics.render,
                alarms=AlarmCommands(pipeline=pipeline, store=store, ids=self.ids),
                tickets=ticket_commands,
                registry=RegistryCommands(
                    store=store, registry=registry, clock=self.clock, ids=self.ids, pending=releaser
                ),
                write=store.run_in_store,
                hub=hub,
                ingest=HttpIngest(
                    adapters=adapters,
                    configs=s.adapters,
                    directory=directory,
                    submit=intake.submit,
                    clock=self.clock,
                    topic_prefix=s.mqtt.topic_prefix,
                    max_bytes=s.ingest.max_payload_bytes,
                    accept_timeout_s=s.ingest.http_accept_timeout_s,
                ),
                stream_heartbeat_s=s.api.stream_heartbeat_s,
                timezone=s.timezone,
                report_settings=settings_from(s),
                live_status=status.get,
                auth_failures=self.auth_failures,
                token_usage=self.token_usage,
                max_streams=s.api.max_streams,
                ids=self.ids,
            ),
            limits=HttpLimits(
                max_body_bytes=s.api.max_body_bytes,
                ingest_max_bytes=s.ingest.max_payload_bytes,
                docs=s.api.docs,
            ),
        )
        server = _Server(
            uvicorn.Config(
                app,
                host=s.api.host,
                port=s.api.port,
                lifespan="off",
                access_log=False,
                log_config=None,
                timeout_graceful_shutdown=5,
                # Past this many connections uvicorn answers 503 at once: a flood of idle
                # connections costs file descriptors, not the event loop ingest runs on.
                limit_concurrency=s.api.max_connections,
                ssl_certfile=s.api.tls_cert_file,
                ssl_keyfile=s.api.tls_key_file,
            )
        )
        parts = _Parts(
            engine=engine,
            store=store,
            status=status,
            sink=sink,
            series=series,
            pipeline=pipeline,
            dispatcher=dispatcher,
            registry=registry,
            ticket_commands=ticket_commands,
            releaser=releaser,
            exporter=exporter,
            ingest=ingest,
            server=server,
        )
        parts.tasks["store"] = store_task
        return parts

    async def _start(self, parts: _Parts) -> None:
        # What start-up loaded (registry, status, alarms: long-lived, one per device) is
        # kept out of the cyclic collector's scans, and young collections run less often:
        # with 100,000 devices a full scan of them took longer than the messages it followed.
        gc.collect()
        gc.freeze()
        gc.set_threshold(_GC_YOUNG, *gc.get_threshold()[1:])
        tasks = parts.tasks
        tasks["series"] = asyncio.create_task(parts.series.run(), name="series")
        tasks["notify"] = asyncio.create_task(parts.dispatcher.run(), name="notify")
        tasks["pipeline"] = asyncio.create_task(parts.pipeline.run(), name="pipeline")
        # Bind here, so a taken port fails start-up with a clear error and the port is known.
        listener = socket.create_server((self.settings.api.host, self.settings.api.port))
        self.api_port = listener.getsockname()[1]
        tasks["api"] = asyncio.create_task(parts.server.serve(sockets=[listener]), name="api")
        scheme = "https" if self.settings.api.tls_cert_file else "http"
        log.info("API listening on %s://%s:%s", scheme, self.settings.api.host, self.api_port)
        tasks["ingest"] = asyncio.create_task(parts.ingest.run(), name="ingest")
        tasks["status"] = asyncio.create_task(self._status_loop(parts), name="status")
        tasks["housekeeping"] = asyncio.create_task(
            self._housekeeping_loop(parts), name="housekeeping"
        )
        tasks["escalation"] = asyncio.create_task(self._escalation_loop(parts), name="escalation")
        tasks["status_points"] = asyncio.create_task(
            self._status_points_loop(parts), name="status_points"
        )
        if parts.exporter is not None:
            tasks["export"] = asyncio.create_task(parts.exporter.run(), name="export")
        if self.settings.reports.deliver:
            delivery = ReportDelivery(
                engine=parts.engine,
                store=parts.store,
                dispatcher=parts.dispatcher,
                settings=self.settings,
                clock=self.clock,
                ids=self.ids,
            )
            tasks["reports"] = asyncio.create_task(delivery.run(), name="reports")
        self.ready.set()

    async def _shutdown(self, parts: _Parts) -> None:
        """Stop taking messages, make everything taken durable, acknowledge it, then close."""
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
        for name in ("status", "housekeeping", "escalation", "status_points", "export", "reports"):
            if name in tasks:
                await _finish(tasks[name], cancel=True)
        await self._flush_status(parts.store, parts.status)
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

    # ---- start-up ---------------------------------------------------------------------

    async def _wait_for_database(self, engine: Engine, stop: asyncio.Event) -> None:
        delay = 0.5
        url = engine.url.render_as_string(hide_password=True)
        while not stop.is_set():
            try:
                await asyncio.to_thread(upgrade, engine)
            except UNAVAILABLE as exc:
                log.warning("database %s unavailable (%s); retrying in %.1fs", url, exc.orig, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay * (0.5 + random.random() / 2))
                delay = min(delay * 2, self.settings.database.retry_max_s)
            else:
                log.info("database %s open and migrated", url)
                return

    def _restore(
        self,
        conn: Connection,
        registry: DeviceIndex,
        status: StatusTracker,
        dedup: Deduplicator,
        rules: RuleEngine,
        unread: UnreadFields,
    ) -> list[Notification]:
        registry.load(conn)
        status.load(conn, now_ms=self.clock.now_ms())
        dc = schema.devices.c
        # A generator over a batched read: 100,000 online devices' rows are never all held.
        seen = (
            (intern(row.building_id), intern(row.device_id), row.device_type, row.last_seen_ms)
            for row in conn.execution_options(yield_per=5_000).execute(
                sa.select(dc.building_id, dc.device_id, dc.device_type, dc.last_seen_ms).where(
                    dc.online.is_(True), dc.last_seen_ms.is_not(None)
                )
            )
        )
        r = schema.rule_states.c
        states = [
            (row.building_id, row.state.encode())
            for row in conn.execute(sa.select(r.building_id, r.state))
        ]
        now = self.clock.now_ms()
        e = schema.events.c
        event_times = [
            (intern(row[0]), int(row[1]))
            for row in conn.execute(
                sa.select(e.device_id, sa.func.max(e.ts_ms))
                .where(e.received_ms >= now - _EVENT_TIMES_HORIZON_MS)
                .group_by(e.device_id)
            )
        ]
        rules.restore(
            alarms=active_alarms(conn), states=states, seen=seen, now=now, event_times=event_times
        )
        horizon = self.clock.now_ms() - self.settings.ingest.dedup_window_s * 1000
        sm = schema.seen_messages.c
        for row in conn.execute(
            sa.select(sm.device_id, sm.msg_id, sm.received_ms, sm.point_us)
            .where(sm.received_ms >= horizon)
            .order_by(sm.received_ms)
        ):
            dedup.remember(row.device_id, row.msg_id, row.received_ms, row.point_us)
        dl = schema.dead_letters.c
        unread.restore(
            conn.execute(
                sa.select(dl.product)
                .distinct()
                .where(
                    dl.received_ms >= unread.day_start_ms(now),
                    dl.reason.like("unmapped:%"),
                    dl.product.is_not(None),
                )
            ).scalars(),
            now_ms=now,
        )
        return Dispatcher.load_pending(conn)

    # ---- periodic work ----------------------------------------------------------------

    async def _status_loop(self, parts: _Parts) -> None:
        while True:
            await asyncio.sleep(self.settings.devices.status_flush_s)
            await self._flush_status(parts.store, parts.status)

    async def _flush_status(self, store: StoreWriter, status: StatusTracker) -> None:
        if not store.available:
            return  # the spooled write-sets may hold the devices' rows; wait for them
        rows = status.take_dirty()
        # In slices, each its own transaction: the pipeline's commits (an alarm's among them)
        # queue on the same thread and wait for one slice at most, not for 100,000 rows.
        for start in range(0, len(rows), _STATUS_SLICE):
            part = rows[start : start + _STATUS_SLICE]
            try:
                await store.run_in_store(functools.partial(flush_status, rows=part))
            except UNAVAILABLE as exc:
                log.warning("status flush failed, will retry: %s", exc.orig)
                status.mark_dirty([row.device_id for row in rows[start:]])
                return

    async def _housekeeping_loop(self, parts: _Parts) -> None:
        """Pick up registry changes made elsewhere (an import) every few seconds; prune every
        minute."""
        loop = asyncio.get_running_loop()
        pruned = loop.time()
        while True:
            await asyncio.sleep(_REGISTRY_REFRESH_S)
            if not parts.store.available:
                continue
            try:
                changed = await parts.store.run_in_store(
                    functools.partial(parts.registry.refresh, now_ms=self.clock.now_ms())
                )
                if changed:
                    log.info("registry: %d buildings or devices changed", changed)
                    await parts.releaser.release_registered()  # registered by an import
                if loop.time() - pruned >= _HOUSEKEEPING_S:
                    pruned = loop.time()
                    await parts.store.run_in_store(self._prune)
            except UNAVAILABLE as exc:
                log.warning("housekeeping skipped: %s", exc.orig)

    async def _status_points_loop(self, parts: _Parts) -> None:
        """Devices online and alarms active per building, into the series, every so often."""
        while True:
            await asyncio.sleep(self.settings.series.status_every_s)
            devices: dict[str, tuple[int, int]] = {}
            for device in parts.registry.devices():
                total, online = devices.get(device.building_id, (0, 0))
                status = parts.status.get(device.device_id)
                devices[device.building_id] = (
                    total + 1,
                    online + int(bool(status and status.online)),
                )
            alarms: dict[str, int] = {}
            for alarm in parts.pipeline.active_alarms():
                alarms[alarm.building_id] = alarms.get(alarm.building_id, 0) + 1
            parts.series.add(
                status_points(
                    devices=devices,
                    alarms=alarms,
                    communities={b: parts.registry.community(b) for b in devices},
                    ts_ms=self.clock.now_ms(),
                )
            )

    async def _escalation_loop(self, parts: _Parts) -> None:
        while True:
            await asyncio.sleep(self.settings.tickets.scan_s)
            try:
                raised = await parts.ticket_commands.escalate_overdue()
            except StoreUnavailable:
                continue
            if raised:
                self.metrics.tickets_escalated.inc(raised)
                log.info("escalated %d overdue ticket steps", raised)

    def _prune(self, conn: Connection) -> None:
        """Operational tables kept by age (and some by count); the audit log is never pruned."""
        now = self.clock.now_ms()
        s = self.settings
        write_token_usage(conn, self.token_usage.take())
        conn.execute(
            sa.delete(schema.seen_messages).where(
                schema.seen_messages.c.received_ms < now - s.ingest.dedup_window_s * 1000
            )
        )
        conn.execute(
            sa.delete(schema.device_readings).where(
                schema.device_readings.c.at_ms < now - s.devices.readings_keep_s * 1000
            )
        )
        conn.execute(
            sa.delete(schema.dead_letters).where(
                schema.dead_letters.c.received_ms
                < now - s.ingest.dead_letter_keep_days * 86_400_000
            )
        )
        prune_pending(
            conn,
            before_ms=now - s.ingest.pending_keep_days * 86_400_000,
            keep_per_device=s.ingest.pending_max_per_device,
        )
        keep_newest(conn, schema.dead_letters, "id", s.ingest.dead_letter_max_rows)
        keep_newest(conn, schema.pending_messages, "id", s.ingest.pending_max_rows)
        n, o = schema.notifications, schema.ticket_outbox
        conn.execute(
            sa.delete(n).where(
                n.c.status == "sent", n.c.created_ms < now - s.notify.keep_days * 86_400_000
            )
        )
        conn.execute(
            sa.delete(o).where(
                o.c.status == "sent", o.c.created_ms < now - s.tickets.outbox_keep_days * 86_400_000
            )
        )


async def _finish(task: asyncio.Task[None], *, cancel: bool = False) -> None:
    if cancel:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        try:
            await task
        except Exception:
            log.exception("task %s failed during shutdown", task.get_name())
