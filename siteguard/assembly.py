"""The service's parts, built and connected once the store is open: the state the rules and
the pipeline keep (``State``, filled from the store by ``gateway.restore``), then the pipeline,
notifications, series, MQTT ingest and the API around it. Nothing runs yet: ``siteguard/app.py``
starts and stops the parts, in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from sqlalchemy.engine import Connection, Engine

from adapters.models import ModelLibrary
from adapters.registry import default_registry
from alerting.rule_engine import RuleEngine
from api import ApiContext, create_app
from api.limits import HttpLimits
from api.sessions import AuthFailures, TokenUsage
from core.clock import Clock
from core.config import Settings
from core.ids import IdFactory
from gateway.collector import Collector
from gateway.commands import AlarmCommands, RegistryCommands, TicketCommands
from gateway.dedup import Deduplicator
from gateway.device_index import DeviceIndex
from gateway.directory import Directory
from gateway.export import TicketExporter
from gateway.http_ingest import HttpIngest
from gateway.hub import EventHub
from gateway.ingest import MqttIngest
from gateway.inspections import InspectionCommands
from gateway.intake import Intake, UrgencyRule
from gateway.metrics import Metrics
from gateway.notification import Notification
from gateway.notify.dispatcher import Dispatcher
from gateway.notify.factory import create_notifiers
from gateway.notify.routing import Router
from gateway.pending import PendingReleaser
from gateway.photos import PhotoStore
from gateway.pipeline import Pipeline
from gateway.processor import Processor
from gateway.public_reports import PublicReportCommands
from gateway.restore import restore_state
from gateway.risk_watch import RiskWatch
from gateway.series.sinks import SeriesSink, create_sink
from gateway.series.writer import SeriesWriter
from gateway.spool import Spool
from gateway.status import StatusTracker
from gateway.store.lease import Fence
from gateway.store.writer import StoreWriter
from gateway.tickets import TicketDesk
from gateway.unread import UnreadFields
from reports.report import settings_from

log = logging.getLogger(__name__)


class Server(uvicorn.Server):
    """Uvicorn without its own signal handling: the service owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def api_server(app: Any, s: Settings) -> Server:
    """The API's server: the active instance's, and a standby's (``api/standby.py``)."""
    return Server(
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


@dataclass(frozen=True, kw_only=True)
class Shared:
    """What the service makes once and the parts share."""

    settings: Settings
    clock: Clock
    metrics: Metrics
    ids: IdFactory
    hub: EventHub
    auth_failures: AuthFailures
    token_usage: TokenUsage
    # ha.enabled: the lease this instance holds while it is active (None: a single instance)
    fence: Fence | None = None


@dataclass(frozen=True, kw_only=True)
class State:
    """What the rules and the pipeline keep in memory, restored from the store at start-up."""

    registry: DeviceIndex
    status: StatusTracker
    dedup: Deduplicator
    rules: RuleEngine
    unread: UnreadFields

    @classmethod
    def empty(cls, shared: Shared) -> State:
        s = shared.settings
        return cls(
            registry=DeviceIndex(),
            status=StatusTracker(config=s.devices),
            dedup=Deduplicator(window_ms=s.ingest.dedup_window_s * 1000),
            rules=RuleEngine(
                rules=s.alerting,
                devices=s.devices,
                repeat_critical_s=s.notify.repeat_critical_s,
                ids=shared.ids,
            ),
            unread=UnreadFields(metrics=shared.metrics, ids=shared.ids, timezone=s.timezone),
        )

    def restore(self, conn: Connection, shared: Shared) -> list[Notification]:
        """Fill the state from the store; returns the notifications still owed."""
        return restore_state(
            conn,
            clock=shared.clock,
            dedup_window_ms=shared.settings.ingest.dedup_window_s * 1000,
            registry=self.registry,
            status=self.status,
            dedup=self.dedup,
            rules=self.rules,
            unread=self.unread,
        )


@dataclass(kw_only=True)
class Parts:
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
    # The risk early warning (docs/risk.md): ``tick`` every ``risk.scan_s`` on the active one.
    risk: RiskWatch | None = None
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)


def assemble(
    shared: Shared,
    *,
    engine: Engine,
    store: StoreWriter,
    state: State,
    pending: list[Notification],
) -> Parts:
    """Every part of the service over the open ``store`` and the restored ``state``, with the
    notifications still owed queued."""
    s = shared.settings
    registry, status, dedup, rules, unread = (
        state.registry,
        state.status,
        state.dedup,
        state.rules,
        state.unread,
    )
    hub = shared.hub
    desk = TicketDesk(config=s.tickets, registry=registry, ids=shared.ids)

    def describe(building_id: str) -> str | None:
        info = registry.building(building_id)
        return info.name if info is not None else None

    dispatcher = Dispatcher(
        notifiers=create_notifiers(s.notify, describe),
        router=Router(s.notify.routes),
        store=store,
        metrics=shared.metrics,
        clock=shared.clock,
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
        metrics=shared.metrics,
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
        dropped=shared.metrics.intake_dropped.inc,
    )
    collector = Collector(engine=rules, status=status, tickets=desk, metrics=shared.metrics)
    pipeline = Pipeline(
        intake=intake,
        processor=Processor(
            adapters=adapters,
            registry=registry,
            dedup=dedup,
            status=status,
            engine=rules,
            collector=collector,
            metrics=shared.metrics,
            clock=shared.clock,
            ids=shared.ids,
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
        metrics=shared.metrics,
        clock=shared.clock,
        wake=wake,
    )
    fence = shared.fence
    ingest = MqttIngest(
        config=s.mqtt,
        submit=intake.submit,
        clock=shared.clock,
        metrics=shared.metrics,
        may_act=fence.holds if fence is not None else lambda: True,
    )

    releaser = PendingReleaser(submit=intake.submit, store=store, registry=registry)
    ticket_commands = TicketCommands(
        pipeline=pipeline,
        store=store,
        desk=desk,
        ids=shared.ids,
        escalate_every_ms=s.tickets.escalate_every_s * 1000,
        clock=shared.clock,
    )
    exporter = None
    if s.tickets.export_url:
        token = s.tickets.export_token
        exporter = TicketExporter(
            url=s.tickets.export_url,
            token=token.get_secret_value() if token else None,
            timeout_s=s.tickets.export_timeout_s,
            store=store,
            metrics=shared.metrics,
            clock=shared.clock,
        )

    def readiness() -> list[str]:
        problems = []
        if not ingest.subscribed:
            problems.append("mqtt: not subscribed")
        if not store.available:
            problems.append("database: unavailable, write-sets are being spooled")
        if fence is not None and not fence.holds():
            problems.append("ha: this instance no longer holds the lease")
        return problems

    app = create_app(
        context=ApiContext(
            engine=engine,
            clock=shared.clock,
            admin_token=s.auth.admin_token.get_secret_value() if s.auth.admin_token else None,
            readiness=readiness,
            render_metrics=shared.metrics.render,
            alarms=AlarmCommands(pipeline=pipeline, store=store, ids=shared.ids, desk=desk),
            tickets=ticket_commands,
            registry=RegistryCommands(
                store=store, registry=registry, clock=shared.clock, ids=shared.ids, pending=releaser
            ),
            write=store.run_in_store,
            hub=hub,
            ingest=HttpIngest(
                adapters=adapters,
                configs=s.adapters,
                directory=directory,
                submit=intake.submit,
                clock=shared.clock,
                topic_prefix=s.mqtt.topic_prefix,
                max_bytes=s.ingest.max_payload_bytes,
                accept_timeout_s=s.ingest.http_accept_timeout_s,
            ),
            stream_heartbeat_s=s.api.stream_heartbeat_s,
            timezone=s.timezone,
            report_settings=settings_from(s),
            live_status=status.get,
            auth_failures=shared.auth_failures,
            token_usage=shared.token_usage,
            max_streams=s.api.max_streams,
            ids=shared.ids,
            role="active" if fence is not None else None,
            inspections=InspectionCommands(
                pipeline=pipeline,
                store=store,
                desk=desk,
                ids=shared.ids,
                config=s.inspections,
                tz=ZoneInfo(s.timezone),
            ),
            risk=s.risk,
            public=PublicReportCommands(
                pipeline=pipeline, store=store, desk=desk, ids=shared.ids, config=s.public
            ),
            photos=PhotoStore(
                directory=s.data_dir / "photos", max_bytes=s.inspections.photo_max_bytes
            ),
        ),
        limits=HttpLimits(
            max_body_bytes=s.api.max_body_bytes,
            ingest_max_bytes=s.ingest.max_payload_bytes,
            photo_max_bytes=s.inspections.photo_max_bytes,
            docs=s.api.docs,
        ),
    )
    server = api_server(app, s)
    return Parts(
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
        risk=RiskWatch(
            engine=engine,
            store=store,
            enqueue=dispatcher.enqueue,
            config=s.risk,
            clock=shared.clock,
            ids=shared.ids,
        ),
    )
