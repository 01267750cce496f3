"""``GET /api/v1/stream``: Server-Sent Events of committed alarm and ticket changes, in the
token's scope, resumable with ``Last-Event-ID``, bounded in number, ended when the token is
revoked. Changes are published on the context's hub, as the pipeline does.

A stream never ends by itself, and TestClient (like httpx's ASGI transport) waits for a
response to end before it returns one; so ``Stream`` below drives the application as a
server would, on the test's own event loop, and disconnects when the test is done."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from alerting.model import Alarm
from alerting.tickets import Ticket, opened_entry
from api import create_app
from gateway.shapes import AlarmObject, HubEvent, TicketObject
from gateway.store import schema
from gateway.store.alarms import alarm_row
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import T0, bearer


class Stream:
    def __init__(self, app: FastAPI, headers: dict[str, str]) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.text = ""
        self.ended = False
        self._app = app
        self._headers = headers
        self._asked = False
        self._changed = asyncio.Event()
        self._disconnect = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/api/v1/stream",
            "raw_path": b"/api/v1/stream",
            "root_path": "",
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in self._headers.items()],
            "client": ("127.0.0.1", 40000),
            "server": ("testserver", 80),
        }
        try:
            await self._app(scope, self._receive, self._send)
        finally:
            self.ended = True
            self._changed.set()

    async def _receive(self) -> dict[str, Any]:
        if not self._asked:
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._disconnect.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            self.text += message.get("body", b"").decode()
        self._changed.set()

    @property
    def events(self) -> list[dict[str, Any]]:
        """Complete events so far: {"id", "event", "data"} (data decoded)."""
        found = []
        for block in self.text.split("\n\n")[:-1]:
            fields = dict(
                line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
            )
            if "event" in fields:
                found.append({**fields, "data": json.loads(fields["data"])})
        return found

    async def until(self, predicate: Callable[[Stream], bool], timeout: float = 5) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self):
                self._changed.clear()
                await self._changed.wait()

    async def close(self) -> None:
        self._disconnect.set()
        await asyncio.wait_for(self._task, 5)


def alarm(alarm_id: str, building: str, *, status: str = "active", at: int = 0) -> Alarm:
    return Alarm(
        id=alarm_id,
        kind="tamper",
        severity="warning",
        status=status,
        building_id=building,
        device_id=f"{building}-s1",
        device_ids=(f"{building}-s1",),
        opened_ms=T0 + at,
        updated_ms=T0 + at,
    )


def alarm_event(change_id: str, building: str, **kwargs: Any) -> HubEvent:
    return HubEvent.alarm(change_id, AlarmObject.of(alarm(f"A-{change_id}", building, **kwargs)))


def ticket_event(change_id: str, building: str) -> HubEvent:
    ticket = Ticket(id=f"T-{change_id}", alarm_id=None, title="通道堵塞", category="inspection",
                    severity="warning", building_id=building, status="open", responsible="物业",
                    due_ms=T0, escalation_level=0, created_ms=T0, updated_ms=T0,
                    created_by="duty")  # fmt: skip
    return HubEvent.ticket(
        change_id, TicketObject.of(ticket, [opened_entry(ticket, entry_id=change_id, note=None)])
    )


def app_for(api: Api, **changes: Any) -> FastAPI:
    context = dataclasses.replace(api.app.state.context, **changes)
    return create_app(context=context)


def greeted(stream: Stream) -> bool:
    return ": siteguard stream for" in stream.text


@pytest.fixture
def tokens(client: TestClient) -> dict[str, dict[str, str]]:
    return {
        "duty": bearer(client, "duty"),
        "manager": bearer(client, "manager", ["B1"]),
    }


def test_each_token_gets_the_changes_of_its_scope(
    api: Api, tokens: dict[str, dict[str, str]]
) -> None:
    async def scenario() -> tuple[Stream, Stream]:
        app = app_for(api)
        duty, manager = Stream(app, tokens["duty"]), Stream(app, tokens["manager"])
        for stream in (duty, manager):
            await stream.until(greeted)  # listening from here on
        hub = api.app.state.context.hub
        hub.publish(alarm_event("01C1", "B1"))
        hub.publish(alarm_event("01C2", "B2"))
        hub.publish(ticket_event("01C3", "B1"))  # after B2's: the manager's barrier
        for stream in (duty, manager):
            await stream.until(lambda s: any(e["id"] == "01C3" for e in s.events))
            await stream.close()
        return duty, manager

    duty, manager = asyncio.run(scenario())
    assert manager.status == 200
    assert manager.headers["content-type"].startswith("text/event-stream")
    assert manager.headers["cache-control"] == "no-cache"
    assert [(e["id"], e["event"]) for e in manager.events] == [
        ("01C1", "alarm"),
        ("01C3", "ticket"),
    ]
    assert [e["id"] for e in duty.events] == ["01C1", "01C2", "01C3"]
    assert "retry: 2000" in manager.text and ": siteguard stream for manager" in manager.text
    # A ticket comes with the moves the caller's role may make, as the API answers it.
    assert manager.events[1]["data"]["allowed_moves"] == []
    assert duty.events[2]["data"]["allowed_moves"] == ["assigned"]
    assert manager.events[0]["data"]["building_id"] == "B1"


def test_a_resumed_stream_gets_what_it_missed_from_the_store_once(
    api: Api, tokens: dict[str, dict[str, str]]
) -> None:
    api.insert(schema.alarms, [alarm_row(alarm("A1", "B1")), alarm_row(alarm("A2", "B2"))])
    api.insert(
        schema.alarm_history,
        [
            {"id": change, "alarm_id": alarm_id, "building_id": building, "kind": "tamper",
             "action": "opened", "at_ms": T0, "by": "rules", "note": None, "severity": "warning",
             "status": "active", "count": 1, "notify": "now"}
            for change, alarm_id, building in (
                ("01H1", "A1", "B1"), ("01H2", "A1", "B1"), ("01H3", "A2", "B2"),
            )
        ],
    )  # fmt: skip

    async def scenario() -> Stream:
        stream = Stream(app_for(api), {**tokens["manager"], "Last-Event-ID": "01H1"})
        await stream.until(lambda s: len(s.events) >= 1)
        hub = api.app.state.context.hub
        hub.publish(alarm_event("01H2", "B1"))  # announced while it was read back: not twice
        hub.publish(alarm_event("01H4", "B1"))
        await stream.until(lambda s: any(e["id"] == "01H4" for e in s.events))
        await stream.close()
        return stream

    stream = asyncio.run(scenario())
    assert [(e["id"], e["data"]["id"]) for e in stream.events] == [
        ("01H2", "A1"),
        ("01H4", "A-01H4"),
    ]


def test_streams_are_bounded_and_say_when_to_come_back(
    api: Api, tokens: dict[str, dict[str, str]]
) -> None:
    async def scenario() -> tuple[Stream, Stream]:
        app = app_for(api, max_streams=1)
        first = Stream(app, tokens["duty"])
        await first.until(greeted)
        second = Stream(app, tokens["duty"])
        await second.until(lambda s: s.ended)
        await first.close()
        return first, second

    first, second = asyncio.run(scenario())
    assert first.status == 200
    assert second.status == 503 and second.headers["retry-after"] == "10"
    assert json.loads(second.text) == {"detail": "1 event streams are open; try again shortly"}


def test_a_stream_whose_token_is_revoked_ends_saying_so(
    api: Api, client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    async def scenario() -> Stream:
        stream = Stream(app_for(api, stream_heartbeat_s=0.05), tokens["duty"])
        await stream.until(greeted)
        await stream.until(lambda s: ": keepalive" in s.text)  # quiet: kept alive
        with api.engine.begin() as conn:
            conn.execute(sa.update(schema.tokens).values(revoked_ms=api.clock.now_ms()))
        await stream.until(lambda s: s.ended)
        return stream

    stream = asyncio.run(scenario())
    assert stream.events[-1] == {
        "event": "ended",
        "data": {"detail": "token revoked or expired"},
    }
    assert client.get("/api/v1/stream", headers=tokens["duty"]).status_code == 401  # and stays out


def test_a_token_is_needed_and_last_event_id_is_bounded(client: TestClient) -> None:
    missing = client.get("/api/v1/stream")
    assert missing.status_code == 401 and missing.json() == {"detail": "missing bearer token"}
    too_long = client.get("/api/v1/stream", headers={**ADMIN, "Last-Event-ID": "x" * 65})
    assert too_long.status_code == 422
    assert too_long.json()["detail"].startswith("header.Last-Event-ID: ")
