"""Property-based fuzzing of the whole HTTP API from its own OpenAPI document (Schemathesis).

Every operation in the app's OpenAPI document is called with requests Schemathesis generates
from it (valid and invalid ones), with an admin, a duty and a manager token in turn, against
the API over a migrated SQLite database: a real store writer and registry, real HTTP ingest
with the real adapters; the alarm and ticket commands, which need the pipeline, are fakes that
answer as the gateway would, from the stored rows, with the lifecycle's own rules. Path and
query parameters and body fields are now and then replaced by ids that exist (seeded below),
so requests get past "not found".

Checked for every response: no 5xx (an exception escaping the app is one), its status code is
documented for the operation, and its content type and body match what is documented.

- ``GET /api/v1/stream`` (server-sent events) never ends by itself: each call listens for
  STREAM_DEADLINE_S, then the ASGI transport cuts it and what it sent by then is checked.
- ``/api/v1/ingest/{adapter}`` reads the raw body, so the document declares none: the copy
  fuzzed here declares a free-form JSON or binary body, and now and then a real vendor push
  (simulators/formats) replaces the generated one. Its Authorization is the push secret
  (mostly the right one, now and then a wrong one or none), not a role's token.

Each operation gets ``SITEGUARD_FUZZ_EXAMPLES`` examples per role (default 40; e.g. 500 for a
deeper local run). The test fails listing each distinct failure (operation, role, check,
status) with the smallest request seen for it; a summary (operations, requests, server errors,
schema violations, statuses per operation, the failures in full) is printed at the end and
written to ``fuzz-summary.json`` in pytest's base temp directory, or to the path in
``SITEGUARD_FUZZ_SUMMARY``.
"""

from __future__ import annotations

import copy
import json
import os
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hypothesis
import msgspec
import pytest
import schemathesis
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.core import NotSet
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.core.result import Ok

from adapters.registry import default_registry
from alerting.model import Alarm, AlarmError, AlarmNotFound
from alerting.rule_engine import RuleEngine
from alerting.tickets import (
    Role,
    Ticket,
    TicketEntry,
    classify,
    move,
    opened_entry,
    refer,
    supervise,
)
from api import ApiContext, create_app
from core.clock import FakeClock
from core.config import AdaptersConfig, AlertingConfig, DevicesConfig, NotifyConfig, TicketsConfig
from core.config.domain import DEFAULT_DEPARTMENTS
from core.config.inspections import InspectionsConfig
from core.config.public import PublicConfig
from core.ids import IdFactory
from gateway.audit import Actor
from gateway.backlog import BacklogReport, import_backlog
from gateway.commands import RegistryCommands, TicketNotFound
from gateway.device_index import DeviceIndex
from gateway.directory import Directory
from gateway.http_ingest import HttpIngest
from gateway.hub import EventHub
from gateway.inspections import InspectionCommands
from gateway.metrics import Metrics
from gateway.photos import PhotoStore
from gateway.public_reports import PublicReportCommands
from gateway.shapes import TicketObject
from gateway.spool import Spool
from gateway.status import StatusTracker
from gateway.store import schema
from gateway.store.alarms import alarm_row, load_alarm
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.tickets import load_ticket
from gateway.store.writer import StoreWriter
from gateway.tickets import TicketDesk
from gateway.tokens import token_row
from simulators.formats import ENCODERS
from simulators.formats.base import Canonical, dev_eui_of, imei_of
from tests.api.conftest import OneCommandPipeline

ROLES = ("admin", "duty", "manager", "inspector")
MAX_EXAMPLES = int(os.environ.get("SITEGUARD_FUZZ_EXAMPLES", "40"))
STREAM_DEADLINE_S = 0.05  # how long one call to the event stream listens
ADMIN_TOKEN = "fuzz-admin-secret"
PUSH_SECRET = "fuzz-push-secret"
ONENET_TOKEN = "fuzz-onenet-token"
PREFIX = "siteguard/v1"
INGEST = "/api/v1/ingest/{adapter}"
STREAM = "/api/v1/stream"
HELD = "860000000000001"  # a device the registry does not know, its messages held
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


# ---- the commands that need the pipeline ---------------------------------------------------


class Alarms:
    """Acknowledge and clear as the rules would, from the stored alarm; nothing is written."""

    def __init__(self, engine: sa.Engine, clock: FakeClock) -> None:
        self._engine = engine
        self._clock = clock

    def _load(self, alarm_id: str) -> Alarm:
        with self._engine.connect() as conn:
            alarm = load_alarm(conn, alarm_id)
        if alarm is None:
            raise AlarmNotFound(f"alarm {alarm_id} not found")
        return alarm

    async def acknowledge(
        self, alarm_id: str, *, verdict: str, note: str | None, by: Actor
    ) -> Alarm:
        return msgspec.structs.replace(
            self._load(alarm_id),
            acknowledged_ms=self._clock.now_ms(),
            acknowledged_by=by.name,
            verdict=verdict,
            ack_note=note,
        )

    async def clear(self, alarm_id: str, *, note: str | None, by: Actor) -> Alarm:
        alarm = self._load(alarm_id)
        if not alarm.latched:
            raise AlarmError(f"alarm {alarm_id} clears by itself; only latched alarms are cleared")
        now = self._clock.now_ms()
        return msgspec.structs.replace(
            alarm, status="cleared", cleared_ms=now, cleared_by=by.name, clear_note=note
        )


class Tickets:
    """Open and move tickets by the lifecycle's own rules (alerting.tickets.move) over the
    stored ticket; nothing is written."""

    departments = DEFAULT_DEPARTMENTS

    def __init__(self, engine: sa.Engine, clock: FakeClock) -> None:
        self._engine = engine
        self._clock = clock
        self._ids = IdFactory()

    async def import_backlog(
        self, rows: list[tuple[int, dict[str, str]]], *, by: Actor, where: str
    ) -> BacklogReport:
        """Checked by the real import, in a transaction that is rolled back."""
        now = self._clock.now_ms()
        with self._engine.connect() as conn:
            report = import_backlog(
                lambda write: write(conn),
                iter(rows),
                config=TicketsConfig(),
                now_ms=now,
                actor=by,
                audit_id=self._ids.new(now),
                where=where,
            )
            conn.rollback()
        return report

    async def create(self, *, by: Actor, **fields: Any) -> TicketObject:
        now = self._clock.now_ms()
        note = fields.pop("note")
        due_ms = fields.pop("due_ms")
        ticket = Ticket(
            id=self._ids.new(now),
            alarm_id=None,
            status="open",
            responsible=fields.pop("responsible") or "物业公司",
            due_ms=due_ms if due_ms is not None else now + 86_400_000,
            escalation_level=0,
            created_ms=now,
            updated_ms=now,
            created_by=by.name,
            **fields,
        )
        entry = opened_entry(ticket, entry_id=self._ids.new(now), note=note)
        return TicketObject.of(ticket, [entry])

    async def transition(
        self,
        ticket_id: str,
        *,
        to: str,
        note: str | None,
        responsible: str | None,
        role: Role,
        by: Actor,
        buildings: frozenset[str] | None,
    ) -> TicketObject:
        with self._engine.connect() as conn:
            loaded = load_ticket(conn, ticket_id)
        if loaded is None or (buildings is not None and loaded[0].building_id not in buildings):
            raise TicketNotFound(f"ticket {ticket_id!r} not found")
        ticket, history = loaded
        now = self._clock.now_ms()
        updated, entry = move(
            ticket,
            to,
            role=role,
            by=by.name,
            note=note,
            now=now,
            entry_id=self._ids.new(now),
            responsible=responsible,
        )
        return TicketObject.of(updated, [*history, entry])

    async def classify(
        self,
        ticket_id: str,
        *,
        hazard_class: str,
        criterion: str | None,
        note: str | None,
        role: Role,
        by: Actor,
        buildings: frozenset[str] | None,
    ) -> TicketObject:
        return self._change(ticket_id, buildings, lambda t, now, entry_id: classify(
            t, hazard_class=hazard_class, criterion=criterion, role=role, by=by.name,
            note=note, now=now, entry_id=entry_id,
        ))  # fmt: skip

    async def supervise(
        self,
        ticket_id: str,
        *,
        due_ms: int,
        note: str | None,
        role: Role,
        by: Actor,
        buildings: frozenset[str] | None,
    ) -> TicketObject:
        return self._change(ticket_id, buildings, lambda t, now, entry_id: supervise(
            t, due_ms=due_ms, role=role, by=by.name, note=note, now=now, entry_id=entry_id,
        ))  # fmt: skip

    async def refer(
        self,
        ticket_id: str,
        *,
        department: str,
        note: str | None,
        reply: str | None,
        role: Role,
        by: Actor,
        buildings: frozenset[str] | None,
    ) -> TicketObject:
        return self._change(ticket_id, buildings, lambda t, now, entry_id: refer(
            t, department=department, departments=self.departments, reply=reply, role=role,
            by=by.name, note=note, now=now, entry_id=entry_id,
        ))  # fmt: skip

    def _change(
        self,
        ticket_id: str,
        buildings: frozenset[str] | None,
        change: Callable[[Ticket, int, str], tuple[Ticket, TicketEntry]],
    ) -> TicketObject:
        """A register change (classify, supervise, refer) by the pure rules, as the gateway
        makes it; nothing is written."""
        with self._engine.connect() as conn:
            loaded = load_ticket(conn, ticket_id)
        if loaded is None or (buildings is not None and loaded[0].building_id not in buildings):
            raise TicketNotFound(f"ticket {ticket_id!r} not found")
        ticket, history = loaded
        now = self._clock.now_ms()
        updated, entry = change(ticket, now, self._ids.new(now))
        return TicketObject.of(updated, [*history, entry])


def _submit(message: Any, **_: Any) -> None:
    """Ingest's hand-over to the pipeline: taken at once (a push is answered with what the
    adapters make of it)."""


# ---- what the fuzzing counts ---------------------------------------------------------------


@dataclass
class Stats:
    started: float = field(default_factory=time.monotonic)
    operations: set[str] = field(default_factory=set)
    requests: Counter[str] = field(default_factory=Counter)  # per role
    statuses: Counter[int] = field(default_factory=Counter)
    per_operation: dict[str, Counter[int]] = field(default_factory=dict)
    server_errors: int = 0
    schema_violations: int = 0  # responses that failed a conformance check
    # "operation | role | check | status" -> the smallest failing request seen, and the answer
    failures: dict[str, dict[str, Any]] = field(default_factory=dict)

    def answered(self, label: str, status: int) -> None:
        self.statuses[status] += 1
        self.per_operation.setdefault(label, Counter())[status] += 1
        if status >= 500:
            self.server_errors += 1

    def failed(self, label: str, role: str, check: str, status: int, found: dict[str, Any]) -> None:
        name = f"{label} | {role} | {check} | {status}"
        size = len(json.dumps(found["request"], default=str))
        known = self.failures.get(name)
        seen = known["seen"] if known else 0
        if known is None or size < known["size"]:
            self.failures[name] = {
                "operation": label,
                "role": role,
                "check": check,
                "status": status,
                "size": size,
                **found,
            }
        self.failures[name]["seen"] = seen + 1

    def summary(self) -> dict[str, Any]:
        return {
            "operations": len(self.operations),
            "roles": list(ROLES),
            "max_examples": MAX_EXAMPLES,
            "requests": sum(self.requests.values()),
            "requests_per_role": dict(self.requests),
            "server_errors": self.server_errors,
            "schema_violations": self.schema_violations,
            "distinct_failures": len(self.failures),
            "seconds": round(time.monotonic() - self.started, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "per_operation": {
                label: {str(k): v for k, v in sorted(counts.items())}
                for label, counts in self.per_operation.items()
            },
            "failures": self.failures,
        }


# ---- the API and its data ------------------------------------------------------------------


class FuzzApi:
    def __init__(self, tmp: Path) -> None:
        self.clock = FakeClock()
        self.engine = create_engine(f"sqlite:///{tmp / 'fuzz.db'}")
        upgrade(self.engine)
        self.registry = DeviceIndex()
        self.spool = Spool(directory=tmp / "spool", max_bytes=10**6)
        self.store = StoreWriter(
            engine=self.engine,
            spool=self.spool,
            metrics=Metrics(),
            failed_dir=tmp / "failed",
            retry_max_s=1,
        )
        rules = RuleEngine(
            rules=AlertingConfig(),
            devices=DevicesConfig(),
            repeat_critical_s=NotifyConfig().repeat_critical_s,
            ids=IdFactory(),
        )
        secret = {"secret": PUSH_SECRET}
        configs = AdaptersConfig.model_validate(
            {name: secret for name in ENCODERS} | {"onenet": {**secret, "token": ONENET_TOKEN}}
        )
        adapters = default_registry(
            topic_prefix=PREFIX, max_payload_bytes=64 * 1024, onenet_token=ONENET_TOKEN
        )
        self.app: FastAPI = create_app(
            context=ApiContext(
                engine=self.engine,
                clock=self.clock,
                admin_token=ADMIN_TOKEN,
                readiness=list,
                render_metrics=lambda: b"siteguard_up 1\n",
                alarms=Alarms(self.engine, self.clock),
                tickets=Tickets(self.engine, self.clock),
                registry=RegistryCommands(
                    store=self.store, registry=self.registry, clock=self.clock, ids=IdFactory()
                ),
                write=self.store.run_in_store,
                hub=EventHub(),
                ingest=HttpIngest(
                    adapters=adapters,
                    configs=configs,
                    directory=Directory(registry=self.registry, book=rules.book),
                    submit=_submit,
                    clock=self.clock,
                    topic_prefix=PREFIX,
                    max_bytes=64 * 1024,
                    accept_timeout_s=1.0,
                ),
                live_status=StatusTracker(config=DevicesConfig()).get,
                inspections=InspectionCommands(
                    pipeline=OneCommandPipeline(store=self.store, clock=self.clock),
                    store=self.store,
                    desk=TicketDesk(
                        config=TicketsConfig(), registry=self.registry, ids=IdFactory()
                    ),
                    ids=IdFactory(),
                    config=InspectionsConfig(),
                    tz=ZoneInfo("Asia/Shanghai"),
                ),
                photos=PhotoStore(directory=tmp / "photos", max_bytes=64 * 1024),
                public=PublicReportCommands(
                    pipeline=OneCommandPipeline(store=self.store, clock=self.clock),
                    store=self.store,
                    desk=TicketDesk(
                        config=TicketsConfig(), registry=self.registry, ids=IdFactory()
                    ),
                    ids=IdFactory(),
                    config=PublicConfig(),
                ),
            )
        )
        self.headers = {role: _bearer(f"sg_fuzz_{role}") for role in ROLES}
        self.headers["admin"] = _bearer(ADMIN_TOKEN)
        self.known: dict[str, list[str]] = {}
        self.pushes = _vendor_pushes()
        self.stats = Stats()
        try:
            self._seed()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.store.close()
        self.spool.close()
        self.engine.dispose()

    def _seed(self) -> None:
        """Two buildings (the manager's and the inspector's tokens see B1 only: the inspector's
        by its community) with devices (through the API),
        alarms, tickets, readings, a held device, a dead letter, a delivered report and the
        duty and manager tokens."""
        now = self.clock.now_ms()
        ids = IdFactory()
        admin = self.headers["admin"]
        with TestClient(self.app) as client:
            for building, community in (("B1", "幸福里"), ("B2", "和平里")):
                body = {"name": f"{building}号楼", "community": community, "venue_type": "shop"}
                answer = client.put(f"/api/v1/buildings/{building}", headers=admin, json=body)
                assert answer.status_code == 201, answer.text
            for device, building in (("smoke-1", "B1"), ("gas-1", "B2"), ("ebike-1", "B1")):
                fields: dict[str, Any] = {
                    "device_type": device.split("-")[0],
                    "building_id": building,
                    "floor": 3,
                    "imei": imei_of(device),
                    "dev_eui": dev_eui_of(device),
                }
                answer = client.put(f"/api/v1/devices/{device}", headers=admin, json=fields)
                assert answer.status_code == 201, answer.text
        alarms = [
            _alarm(ids, now - 3000, "smoke", "B1", "smoke-1"),
            _alarm(ids, now - 2000, "fire", "B1", None, latched=True, count=2),
            _alarm(ids, now - 1000, "gas", "B2", "gas-1", status="cleared", peak=61.5),
        ]
        tickets = [
            _ticket(ids, now, "B1", "open"),
            _ticket(ids, now, "B1", "review"),
            _ticket(ids, now, "B2", "assigned"),
        ]
        tokens = {  # "spare": a duty token that DELETE /api/v1/tokens/{id} may revoke
            name: token_row(
                token_id=ids.new(now),
                name=f"fuzz {name}",
                role=role,
                buildings=["B1"] if role == "manager" else None,
                communities=["幸福里"] if role == "inspector" else None,
                token=f"sg_fuzz_{name}",
                by="admin (config)",
                now=now,
            )
            for name, role in (
                ("duty", "duty"),
                ("manager", "manager"),
                ("inspector", "inspector"),
                ("spare", "duty"),
            )
        }
        rows: list[tuple[sa.Table, list[dict[str, Any]]]] = [
            (schema.alarms, [msgspec.structs.asdict(alarm_row(a)) for a in alarms]),
            (schema.tickets, [msgspec.structs.asdict(t) for t in tickets]),
            (schema.ticket_history, [_opened(ids, t) for t in tickets]),
            (schema.tokens, list(tokens.values())),
            (schema.device_readings, [_reading(now, i) for i in range(3)]),
            (schema.pending_messages, [_held(ids, now)]),
            (schema.dead_letters, [_dead_letter(ids, now)]),
            (schema.reports, [_report(now)]),
        ]
        with self.engine.begin() as conn:
            for table, values in rows:
                conn.execute(sa.insert(table), values)
        with TestClient(self.app) as client:
            photo = client.post(
                "/api/v1/photos?building=B1",
                headers={**admin, "Content-Type": "image/jpeg"},
                content=b"\xff\xd8\xff\xe0" + bytes(100),
            )
            assert photo.status_code == 201, photo.text
            items = [
                {"item": item, "ok": item != "wiring", "note": "乱接" if item == "wiring" else None}
                for item in InspectionsConfig().items_for("shop")
            ]
            items[3]["photo"] = photo.json()["id"]
            made = client.post(
                "/api/v1/inspections", headers=admin, json={"building_id": "B1", "items": items}
            )
            assert made.status_code == 201, made.text
            reported = client.post(
                "/api/v1/public/reports",
                json={"building_id": "B1", "category": "other", "text": "楼道堆物"},
            )
            assert reported.status_code == 201, reported.text
            public = client.get("/api/v1/public-reports", headers=admin).json()["items"][0]
        self.known = {
            "tracking_code": [reported.json()["tracking_code"]],
            "report_id": ["month:2025-12", public["id"]],
            "inspection_id": [made.json()["id"]],
            "photo_id": [photo.json()["id"]],
            "community": ["幸福里", "和平里"],
            "building_id": ["B1", "B2"],
            "building": ["B1", "B2"],
            "device_id": ["smoke-1", "gas-1", "ebike-1"],
            "alarm_id": [a.id for a in alarms],
            "ticket_id": [t.id for t in tickets],
            "token_id": [tokens["spare"]["id"]],  # never the duty or manager token
            "identifier": [HELD],
            "adapter": [*ENCODERS, "canonical"],
            "month": ["2025-12", "2026-01"],
            "quarter": ["2025-Q4", "2026-Q1"],
            "year": ["2025", "2026"],
        }


def _alarm(
    ids: IdFactory,
    at: int,
    kind: str,
    building: str,
    device: str | None,
    *,
    status: str = "active",
    **more: Any,
) -> Alarm:
    return Alarm(
        id=ids.new(at),
        kind=kind,
        severity="warning" if kind == "smoke" else "critical",
        status=status,
        building_id=building,
        device_id=device,
        device_ids=(device,) if device else ("smoke-1", "ebike-1"),
        opened_ms=at,
        updated_ms=at,
        cleared_ms=at + 500 if status == "cleared" else None,
        **more,
    )


def _ticket(ids: IdFactory, now: int, building: str, status: str) -> Ticket:
    return Ticket(
        id=ids.new(now),
        alarm_id=None,
        title=f"{building} 消防通道堵塞",
        category="inspection",
        severity="warning",
        building_id=building,
        status=status,
        responsible="物业公司",
        due_ms=now + 86_400_000,
        escalation_level=0,
        created_ms=now - 5000,
        updated_ms=now - 5000,
        created_by="admin (config)",
        # A major hazard in review: one that may be classified, supervised and referred.
        hazard_class="major" if status == "review" else "general",
        hazard_criterion="GB 35181-2017 5.1" if status == "review" else None,
    )


def _opened(ids: IdFactory, ticket: Ticket) -> dict[str, Any]:
    return msgspec.structs.asdict(
        opened_entry(ticket, entry_id=ids.new(ticket.created_ms), note=None)
    )


def _reading(now: int, i: int) -> dict[str, Any]:
    return {"device_id": "gas-1", "at_ms": now - 60_000 * i, "data": json.dumps({"lel_pct": i})}


def _held(ids: IdFactory, now: int) -> dict[str, Any]:
    return {
        "id": ids.new(now),
        "adapter": "ctwing",
        "identifier": HELD,
        "device_type": "smoke",
        "summary": "alarm",
        "received_ms": now - 1000,
        "source": "http",
        "topic": f"{PREFIX}/vendor/ctwing/http",
        "payload": b"{}",
    }


def _dead_letter(ids: IdFactory, now: int) -> dict[str, Any]:
    return {
        "id": ids.new(now),
        "received_ms": now - 1000,
        "source": "mqtt",
        "adapter": "canonical",
        "topic": f"{PREFIX}/B1/smoke/smoke-1/event",
        "reason": "unmapped:foo",
        "detail": "foo",
        "device_id": "smoke-1",
        "building_id": "B1",
        "payload": b"\x00\xff{",
        "product": None,
    }


def _report(now: int) -> dict[str, Any]:
    return {
        "id": "month:2025-12",
        "kind": "month",
        "period": "2025-12",
        "created_ms": now,
        "json": "{}",
        "html": "<p>report</p>",
    }


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _vendor_pushes() -> list[tuple[str, Any]]:
    """A real push in each vendor format: alarms from the seeded devices, and from devices the
    registry does not know (held as pending). As (adapter, JSON body)."""
    pushes: list[tuple[str, Any]] = []
    for name, encoder in ENCODERS.items():
        for kind in sorted(encoder.device_types):
            for device in (f"{kind}-1", f"{kind}-unknown"):
                body: dict[str, Any] = {"type": "alarm", "battery_pct": 80}
                if kind == "ebike":
                    body["type"] = "ebike_detected"
                if kind == "gas":
                    body["lel_pct"] = 40
                message = Canonical(
                    building="B1",
                    device_type=kind,
                    device=device,
                    channel="event",
                    body=body,
                    wall_ms=1_767_225_600_000,
                )
                encoded = encoder.encode(message)
                if encoded is not None:
                    pushes.append((name, json.loads(encoded.payload)))
    return pushes


# ---- the document fuzzed, and the tweaks to what it generates ------------------------------


def _fuzzed_document(app: FastAPI) -> dict[str, Any]:
    """The app's document, with the ingest push's body (read raw, so undeclared) declared,
    and without its security requirements: each role's token goes with every request, and
    Schemathesis' negative cases would otherwise drop it or send a wrong one (and failed
    sign-ins from one address soon answer 429 to everything)."""
    document = copy.deepcopy(app.openapi())
    for methods in document["paths"].values():
        for operation in methods.values():
            operation.pop("security", None)
    document["paths"][INGEST]["post"]["requestBody"] = {
        "content": {
            "application/json": {"schema": {}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        }
    }
    return document


def _with_known(api: FuzzApi, case: Case[Any]) -> st.SearchStrategy[Case[Any]]:
    """The generated case, or a copy with some parameters replaced by ids that exist, and for
    the ingest push now and then a real vendor push instead of the generated one."""
    choices: dict[tuple[str, str], st.SearchStrategy[Any]] = {}
    for where, values in (("path", case.path_parameters), ("query", case.query)):
        for name in values or {}:
            if name in api.known:
                choices[where, name] = st.sampled_from(api.known[name])
    if isinstance(case.body, dict) and "building_id" in case.body:
        choices["body", "building_id"] = st.sampled_from(api.known["building_id"])
    swaps = st.fixed_dictionaries({}, optional=choices)
    push: st.SearchStrategy[tuple[str, Any] | None] = st.none()
    secret: st.SearchStrategy[str | None] = st.none()
    if case.path == INGEST:
        secret = st.sampled_from([f"Bearer {PUSH_SECRET}"] * 4 + ["Bearer wrong-secret", None])
        if case.method.upper() == "POST":
            push = st.none() | st.sampled_from(api.pushes)

    def apply(
        picked: tuple[dict[tuple[str, str], Any], tuple[str, Any] | None, str | None],
    ) -> Case[Any]:
        replaced, vendor, authorization = picked
        changed = case.derive()
        for (where, name), value in replaced.items():
            if where == "path":
                changed.path_parameters[name] = value
            elif where == "query":
                changed.query[name] = value
            elif isinstance(changed.body, dict):
                changed.body = {**changed.body, name: value}
        if vendor is not None:
            changed.path_parameters["adapter"], changed.body = vendor
            changed.media_type = "application/json"
        if authorization is not None:
            changed.headers["Authorization"] = authorization
        return changed

    return st.tuples(swaps, push, secret).map(apply)


# ---- fixtures and the test -----------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_api(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[FuzzApi]:
    api = FuzzApi(tmp_path_factory.mktemp("fuzz"))
    yield api
    api.close()
    summary = api.stats.summary()
    target = os.environ.get("SITEGUARD_FUZZ_SUMMARY")
    path = Path(target) if target else tmp_path_factory.getbasetemp() / "fuzz-summary.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    request.config.pluginmanager.register(_Summary(summary, path), "siteguard-fuzz-summary")


class _Summary:
    """Prints the figures in pytest's closing summary."""

    def __init__(self, summary: dict[str, Any], path: Path) -> None:
        self.summary = summary
        self.path = path

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        s = self.summary
        terminalreporter.write_sep("=", "API fuzzing (Schemathesis)")
        terminalreporter.write_line(
            f"{s['operations']} operations x {len(ROLES)} roles, {s['max_examples']} examples "
            f"each: {s['requests']} requests, {s['server_errors']} server errors, "
            f"{s['schema_violations']} schema violations ({s['distinct_failures']} distinct "
            f"failures) in {s['seconds']} s"
        )
        terminalreporter.write_line(f"statuses: {s['statuses']}")
        terminalreporter.write_line(f"summary: {self.path}")


@pytest.fixture(scope="module")
def api_schema(fuzz_api: FuzzApi) -> BaseSchema:
    loaded = schemathesis.openapi.from_dict(_fuzzed_document(fuzz_api.app))
    loaded.app = fuzz_api.app  # called in-process, through Schemathesis' ASGI transport
    return loaded


@pytest.mark.parametrize("role", ROLES)
def test_every_response_is_documented(fuzz_api: FuzzApi, api_schema: BaseSchema, role: str) -> None:
    """Each operation gets its own Hypothesis run of MAX_EXAMPLES requests. A failing response
    is recorded (the smallest request per distinct failure) and the run goes on, so one
    undocumented status does not hide the rest; the failures are listed at the end."""
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), f"the document is invalid: {result.err()}"
        operation = result.ok()
        fuzz_api.stats.operations.add(operation.label)
        _fuzz(fuzz_api, operation, role)
    failed = {k: v for k, v in fuzz_api.stats.failures.items() if v["role"] == role}
    assert not failed, f"{len(failed)} distinct failures as {role}:\n" + "\n".join(
        f"- {name} (x{found['seen']}): {found['request']['method']} {found['request']['path']}"
        f" query={found['request']['query']} body={found['request']['body']!r:.200}"
        for name, found in sorted(failed.items())
    )


def _fuzz(api: FuzzApi, operation: APIOperation[Any, Any, Any, Any], role: str) -> None:
    modes = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]

    @hypothesis.given(case=st.one_of(modes).flatmap(lambda case: _with_known(api, case)))
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def fuzz(case: Case[Any]) -> None:
        _call_and_check(api, case, role)

    fuzz()


def _call_and_check(api: FuzzApi, case: Case[Any], role: str) -> None:
    stats = api.stats
    label = case.operation.label
    # The ingest push carries the platform's secret, drawn with the case.
    headers = {} if case.path == INGEST else api.headers[role]
    kwargs: dict[str, Any] = {"timeout": STREAM_DEADLINE_S} if case.path == STREAM else {}
    request = {
        "method": case.method.upper(),
        "path": case.formatted_path,
        "query": case.query,
        "headers": {k: v for k, v in case.headers.items() if k.lower() != "authorization"},
        "body": None if isinstance(case.body, NotSet) else case.body,
        "media_type": case.media_type,
    }
    stats.requests[role] += 1
    try:
        response = case.call(headers=headers, **kwargs)
    except Exception:  # noqa: BLE001 - the app raised: Starlette answered 500, then raised it on
        stats.answered(label, 500)
        found = {"request": request, "error": traceback.format_exc(limit=-12)}
        stats.failed(label, role, "Unhandled exception", 500, found)
        return
    stats.answered(label, response.status_code)
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except (FailureGroup, Failure) as exc:
        failures = list(exc.exceptions) if isinstance(exc, FailureGroup) else [exc]
        if any(not isinstance(f, ServerError) for f in failures):
            stats.schema_violations += 1
        for failure in failures:
            found = {
                "request": request,
                "response": response.text[:600],
                "error": failure.message[:1500],
            }
            stats.failed(label, role, failure.title, response.status_code, found)
