"""The hazard-system outbox (``gateway/export.py``) against a fake district server
(``httpx.MockTransport``) and a real SQLite store: oldest first, one change at a time, each
with its own Idempotency-Key however often it is retried; a failure holds back what comes
after it, a refusal does not. End to end: tests/e2e/test_tickets.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from core.clock import FakeClock
from gateway.export import TicketExporter
from gateway.metrics import Metrics
from gateway.spool import Spool
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.writer import StoreWriter
from tests.support.until import until

URL = "https://hazards.district.example/api/changes"


class District:
    """The hazard system: answers each request with the next planned answer (a status, or
    an exception raised as the transport's), then 200."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, text="" if answer < 400 else '{"error": "no"}')

    @property
    def keys(self) -> list[str]:
        return [r.headers["Idempotency-Key"] for r in self.requests]


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = FakeClock()
        self.metrics = Metrics()
        self.engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
        upgrade(self.engine)
        self.spool = Spool(directory=tmp_path / "spool", max_bytes=10**6)
        self.store = StoreWriter(engine=self.engine, spool=self.spool, metrics=self.metrics,
                                 failed_dir=tmp_path / "refused", retry_max_s=1)  # fmt: skip

    def exporter(
        self, district: District, *, token: str | None = "district-secret"
    ) -> TicketExporter:
        return TicketExporter(url=URL, token=token, timeout_s=1, store=self.store,
                              metrics=self.metrics, clock=self.clock, poll_s=0.005,
                              retry_min_s=0.001, retry_max_s=0.002,
                              transport=httpx.MockTransport(district))  # fmt: skip

    def change(self, change_id: str, *, status: str = "pending", attempts: int = 0) -> None:
        payload = json.dumps({"idempotency_key": change_id, "ticket": {"id": "T1"}})
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(schema.ticket_outbox),
                {"id": change_id, "ticket_id": "T1", "created_ms": 0, "payload": payload,
                 "status": status, "attempts": attempts, "sent_ms": None, "last_error": None},
            )  # fmt: skip

    def outbox(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return {r.id: r for r in conn.execute(sa.select(schema.ticket_outbox))}

    def count(self, result: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "siteguard_tickets_exported_total", {"result": result}
        )
        return value or 0.0

    def close(self) -> None:
        self.store.close()
        self.spool.close()
        self.engine.dispose()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path)
    yield r
    r.close()


@contextlib.asynccontextmanager
async def exporting(exporter: TicketExporter) -> AsyncIterator[None]:
    task = asyncio.create_task(exporter.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def sent(rig: Rig, *ids: str) -> Callable[[], bool]:
    """The rows show "sent" once their commit is in; the counter moves when the exporter
    resumes after it, and a loaded machine can look in between: both are waited for."""
    return lambda: (
        all(rig.outbox()[i].status == "sent" for i in ids) and rig.count("sent") >= len(ids)
    )


def test_changes_are_delivered_oldest_first_with_their_key_and_marked_sent(rig: Rig) -> None:
    for change_id in ("01C", "01A", "01B"):
        rig.change(change_id)
    district = District()

    async def scenario() -> None:
        async with exporting(rig.exporter(district)):
            await until(sent(rig, "01A", "01B", "01C"))

    asyncio.run(scenario())
    assert district.keys == ["01A", "01B", "01C"]
    first = district.requests[0]
    assert (first.method, str(first.url)) == ("POST", URL)
    assert first.headers["Authorization"] == "Bearer district-secret"
    assert first.headers["Content-Type"] == "application/json"
    assert json.loads(first.content) == {"idempotency_key": "01A", "ticket": {"id": "T1"}}
    row = rig.outbox()["01A"]
    assert (row.attempts, row.sent_ms, row.last_error) == (1, rig.clock.now_ms(), None)
    assert rig.count("sent") == 3


def test_a_failure_is_retried_with_the_same_key_and_holds_back_what_follows(rig: Rig) -> None:
    rig.change("01A")
    rig.change("01B")
    district = District(500, httpx.ConnectError("no route to host"), 503)

    async def scenario() -> None:
        async with exporting(rig.exporter(district)):
            await until(sent(rig, "01A", "01B"))

    asyncio.run(scenario())
    assert district.keys == ["01A", "01A", "01A", "01A", "01B"]  # B never overtook A
    a = rig.outbox()["01A"]
    assert (a.status, a.attempts, a.last_error) == ("sent", 4, None)
    assert rig.count("retry") == 3 and rig.count("sent") == 2


def test_while_failing_the_last_error_is_kept_on_the_change(rig: Rig) -> None:
    rig.change("01A")
    district = District(*[httpx.ReadTimeout("timed out")] * 1000)

    async def scenario() -> None:
        async with exporting(rig.exporter(district)):
            await until(lambda: rig.outbox()["01A"].attempts >= 3)

    asyncio.run(scenario())
    a = rig.outbox()["01A"]
    assert a.status == "pending" and a.last_error == "ReadTimeout: timed out"


@pytest.mark.parametrize("status", [408, 429, 500, 502])
def test_busy_and_server_errors_are_retried(rig: Rig, status: int) -> None:
    rig.change("01A")
    district = District(status)

    async def scenario() -> None:
        async with exporting(rig.exporter(district)):
            await until(sent(rig, "01A"))

    asyncio.run(scenario())
    assert district.keys == ["01A", "01A"]


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_a_refused_change_is_marked_failed_and_does_not_block_the_rest(
    rig: Rig, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    rig.change("01A")
    rig.change("01B")
    district = District(status)

    async def scenario() -> None:
        async with exporting(rig.exporter(district)):
            await until(sent(rig, "01B"))
            rig.change("01C")  # a marker: sent after any retry of A would have been
            await until(sent(rig, "01C"))

    asyncio.run(scenario())
    assert district.keys == ["01A", "01B", "01C"]  # A was not sent again
    a = rig.outbox()["01A"]
    assert (a.status, a.attempts) == ("failed", 1)
    assert a.last_error == f'HTTP {status}: {{"error": "no"}}'
    assert rig.count("refused") == 1
    assert f"hazard system refused ticket change 01A: HTTP {status}" in caplog.text


def test_what_was_sent_or_refused_before_a_restart_is_not_sent_again(rig: Rig) -> None:
    rig.change("01A", status="sent", attempts=1)
    rig.change("01B", status="failed", attempts=1)
    rig.change("01C", status="pending", attempts=2)  # tried before the restart
    district = District()

    async def scenario() -> None:
        async with exporting(rig.exporter(district)):
            await until(sent(rig, "01C"))

    asyncio.run(scenario())
    assert district.keys == ["01C"]
    assert rig.outbox()["01C"].attempts == 3


def test_without_a_token_no_authorization_is_sent(rig: Rig) -> None:
    rig.change("01A")
    district = District()

    async def scenario() -> None:
        async with exporting(rig.exporter(district, token=None)):
            await until(sent(rig, "01A"))

    asyncio.run(scenario())
    assert "Authorization" not in district.requests[0].headers


def test_changes_written_later_are_picked_up(rig: Rig) -> None:
    district = District()

    async def scenario() -> None:
        async with exporting(rig.exporter(district)):
            await asyncio.sleep(0.02)  # polling an empty outbox
            rig.change("01A")
            await until(sent(rig, "01A"))

    asyncio.run(scenario())
    assert district.keys == ["01A"]
