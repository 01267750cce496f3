"""An API over a migrated SQLite database, with the gateway's commands replaced by a fake."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from alerting.model import Alarm, AlarmError
from api import ApiContext, create_app
from gateway.hub import EventHub
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from siteguard.clock import FakeClock

ADMIN = {"Authorization": "Bearer admin-secret"}


class FakeAlarmOperations:
    """Records what the API asked for; answers with a prepared alarm or error."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.result: Alarm | AlarmError | None = None

    async def acknowledge(self, alarm_id: str, *, verdict: str, note: str | None, by: str) -> Alarm:
        return self._answer("ack", alarm_id, verdict=verdict, note=note, by=by)

    async def clear(self, alarm_id: str, *, note: str | None, by: str) -> Alarm:
        return self._answer("clear", alarm_id, note=note, by=by)

    def _answer(self, what: str, alarm_id: str, **kwargs: Any) -> Alarm:
        self.calls.append((what, alarm_id, kwargs))
        if isinstance(self.result, AlarmError):
            raise self.result
        assert self.result is not None
        return self.result


class Api:
    def __init__(self, tmp_path: Path) -> None:
        self.engine = create_engine(f"sqlite:///{tmp_path / 'api.db'}")
        upgrade(self.engine)
        self.problems: list[str] = []
        self.alarms = FakeAlarmOperations()
        self.app = create_app(
            context=ApiContext(
                engine=self.engine,
                clock=FakeClock(),
                admin_token="admin-secret",
                readiness=lambda: self.problems,
                render_metrics=lambda: b"siteguard_x 1\n",
                alarms=self.alarms,
                hub=EventHub(),
            )
        )

    def insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.insert(table), rows)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    instance = Api(tmp_path)
    yield instance
    instance.engine.dispose()


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
