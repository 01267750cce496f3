"""An API over a migrated SQLite database, with the gateway's alarm and ticket commands
replaced by fakes; inspections are real, their turns committed by a one-command pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from alerting.model import Alarm, AlarmError
from alerting.rule_engine import RuleEngine
from api import ApiContext, create_app
from core.clock import FakeClock
from core.config import AlertingConfig, DevicesConfig, TicketsConfig
from core.config.domain import DEFAULT_DEPARTMENTS
from core.config.inspections import InspectionsConfig
from core.config.public import PublicConfig
from core.ids import IdFactory
from gateway.audit import Actor
from gateway.backlog import BacklogReport
from gateway.commands import RegistryCommands
from gateway.device_index import DeviceIndex
from gateway.hub import EventHub
from gateway.inspections import InspectionCommands
from gateway.metrics import Metrics
from gateway.photos import PhotoStore
from gateway.public_reports import PublicReportCommands
from gateway.shapes import TicketObject
from gateway.spool import Spool
from gateway.status import StatusTracker
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.writer import StoreWriter
from gateway.store.writeset import apply_writeset
from gateway.tickets import TicketDesk
from gateway.turn import Turn

ADMIN = {"Authorization": "Bearer admin-secret"}


class FakeAlarmOperations:
    """Records what the API asked for; answers with a prepared alarm or error."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.result: Alarm | AlarmError | None = None

    async def acknowledge(
        self, alarm_id: str, *, verdict: str, note: str | None, by: Actor
    ) -> Alarm:
        return self._answer("ack", alarm_id, verdict=verdict, note=note, by=by.name)

    async def clear(self, alarm_id: str, *, note: str | None, by: Actor) -> Alarm:
        return self._answer("clear", alarm_id, note=note, by=by.name)

    def _answer(self, what: str, alarm_id: str, **kwargs: Any) -> Alarm:
        self.calls.append((what, alarm_id, kwargs))
        if isinstance(self.result, AlarmError):
            raise self.result
        assert self.result is not None
        return self.result


class FakeTicketOperations:
    departments = DEFAULT_DEPARTMENTS

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.result: TicketObject | Exception | None = None

    async def create(self, *, by: Actor, **fields: Any) -> TicketObject:
        return self._answer("create", by=by.name, **fields)

    async def transition(self, ticket_id: str, *, by: Actor, **kwargs: Any) -> TicketObject:
        return self._answer("transition", ticket_id=ticket_id, by=by.name, **kwargs)

    async def classify(self, ticket_id: str, *, by: Actor, **kwargs: Any) -> TicketObject:
        return self._answer("classify", ticket_id=ticket_id, by=by.name, **kwargs)

    async def supervise(self, ticket_id: str, *, by: Actor, **kwargs: Any) -> TicketObject:
        return self._answer("supervise", ticket_id=ticket_id, by=by.name, **kwargs)

    async def refer(self, ticket_id: str, *, by: Actor, **kwargs: Any) -> TicketObject:
        return self._answer("refer", ticket_id=ticket_id, by=by.name, **kwargs)

    async def import_backlog(
        self, rows: list[tuple[int, dict[str, str]]], *, by: Actor, where: str
    ) -> BacklogReport:
        self.calls.append(("import_backlog", {"rows": rows, "by": by.name, "where": where}))
        return BacklogReport(rows=len(rows), created=len(rows))

    def _answer(self, what: str, **kwargs: Any) -> TicketObject:
        self.calls.append((what, kwargs))
        if isinstance(self.result, Exception):
            raise self.result
        assert self.result is not None
        return self.result


class OneCommandPipeline:
    """The pipeline's contract for commands, without its loop: each command gets a turn of
    its own, committed through the store before its result is returned."""

    def __init__(self, *, store: StoreWriter, clock: FakeClock) -> None:
        self._store = store
        self._clock = clock
        self._engine = RuleEngine(
            rules=AlertingConfig(), devices=DevicesConfig(), repeat_critical_s=300, ids=IdFactory()
        )
        self.turns: list[Turn] = []

    async def execute(self, command: Callable[[Turn], Any]) -> Any:
        turn = Turn(engine=self._engine, now=self._clock.now_ms())
        result = await command(turn)
        await self._store.run_in_store(lambda conn: apply_writeset(conn, turn.ws))
        self.turns.append(turn)
        return result


class Api:
    """The API over a real store (writer thread, registry commands); alarm and ticket
    commands, which need the pipeline, are fakes here and real in tests/e2e."""

    def __init__(self, tmp_path: Path) -> None:
        self.engine = create_engine(f"sqlite:///{tmp_path / 'api.db'}")
        upgrade(self.engine)
        self.problems: list[str] = []
        self.alarms = FakeAlarmOperations()
        self.tickets = FakeTicketOperations()
        self.clock = FakeClock()
        self.ids = IdFactory()
        self.registry = DeviceIndex()
        self.live = StatusTracker(config=DevicesConfig())  # the gateway's in-memory status
        self.spool = Spool(directory=tmp_path / "spool", max_bytes=10**6)
        self.store = StoreWriter(
            engine=self.engine,
            spool=self.spool,
            metrics=Metrics(),
            failed_dir=tmp_path / "f",
            retry_max_s=1,
        )
        self.pipeline = OneCommandPipeline(store=self.store, clock=self.clock)
        self.photos = PhotoStore(directory=tmp_path / "photos", max_bytes=64 * 1024)
        self.inspections = InspectionCommands(
            pipeline=self.pipeline,
            store=self.store,
            desk=TicketDesk(config=TicketsConfig(), registry=self.registry, ids=self.ids),
            ids=self.ids,
            config=InspectionsConfig(photos_per_hour=5),
            tz=ZoneInfo("Asia/Shanghai"),
        )
        self.public = PublicReportCommands(
            pipeline=self.pipeline,
            store=self.store,
            desk=TicketDesk(config=TicketsConfig(), registry=self.registry, ids=self.ids),
            ids=self.ids,
            config=PublicConfig(
                rate_limit_per_hour=4, building_limit_per_hour=6, photos_per_hour=2, max_text=60
            ),
        )
        self.app = create_app(
            context=ApiContext(
                engine=self.engine,
                clock=self.clock,
                admin_token="admin-secret",
                readiness=lambda: self.problems,
                render_metrics=lambda: b"siteguard_x 1\n",
                alarms=self.alarms,
                tickets=self.tickets,
                registry=RegistryCommands(
                    store=self.store, registry=self.registry, clock=self.clock, ids=self.ids
                ),
                ids=self.ids,
                write=self.store.run_in_store,
                hub=EventHub(),
                live_status=self.live.get,
                inspections=self.inspections,
                photos=self.photos,
                public=self.public,
            )
        )

    def close(self) -> None:
        self.store.close()
        self.spool.close()
        self.engine.dispose()

    def insert(self, table: sa.Table, rows: Sequence[dict[str, Any] | msgspec.Struct]) -> None:
        values = [r if isinstance(r, dict) else msgspec.structs.asdict(r) for r in rows]
        with self.engine.begin() as conn:
            conn.execute(sa.insert(table), values)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    instance = Api(tmp_path)
    yield instance
    instance.close()


@pytest.fixture
def make_client(api: Api) -> Iterator[Callable[[], TestClient]]:
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(api.app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
