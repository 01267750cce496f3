"""What the API needs from the running service, passed in explicitly (no globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Connection, Engine

from adapters.base import PushRequest
from alerting.inspections import Answer
from alerting.model import Alarm
from alerting.tickets import Role
from api.sessions import AuthFailures, HourlyQuota, PublicGuards, TokenUsage
from core.clock import Clock
from core.config.inspections import InspectionsConfig
from core.config.public import PublicConfig
from core.config.risk import RiskConfig
from core.ids import IdFactory
from gateway.audit import Actor
from gateway.backlog import BacklogReport
from gateway.http_ingest import PushResult
from gateway.hub import EventHub
from gateway.photos import PhotoStore
from gateway.public_reports import Received
from gateway.shapes import InspectionObject, TicketObject
from gateway.store.registry_rows import BuildingFields, DeviceFields
from reports.report import Settings as ReportSettings

T = TypeVar("T")


class AlarmOperations(Protocol):
    """Operators' changes to alarms; carried out by the gateway's single writer."""

    async def acknowledge(
        self, alarm_id: str, *, verdict: str, note: str | None, by: Actor
    ) -> Alarm: ...

    async def clear(self, alarm_id: str, *, note: str | None, by: Actor) -> Alarm: ...


class TicketOperations(Protocol):
    @property
    def departments(self) -> Sequence[str]:
        """Where a ticket may be referred (移送): ``tickets.departments``."""
        ...

    async def create(self, *, by: Actor, **fields: Any) -> TicketObject: ...

    async def import_backlog(
        self, rows: list[tuple[int, dict[str, str]]], *, by: Actor, where: str
    ) -> BacklogReport: ...

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
    ) -> TicketObject: ...

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
    ) -> TicketObject: ...

    async def supervise(
        self,
        ticket_id: str,
        *,
        due_ms: int,
        note: str | None,
        role: Role,
        by: Actor,
        buildings: frozenset[str] | None,
    ) -> TicketObject: ...

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
    ) -> TicketObject: ...


class InspectionOperations(Protocol):
    """Inspections recorded by people (gateway/inspections.py)."""

    @property
    def config(self) -> InspectionsConfig: ...

    async def record(
        self,
        *,
        building_id: str,
        answers: Sequence[Answer],
        note: str | None,
        by: Actor,
        buildings: frozenset[str] | None,
    ) -> InspectionObject: ...


class PublicOperations(Protocol):
    """Public hazard reports taken (gateway/public_reports.py)."""

    @property
    def config(self) -> PublicConfig: ...

    async def submit(
        self,
        *,
        building_id: str,
        category: str,
        text: str,
        contact: str | None,
        photo_id: str | None,
        address_digest: str,
    ) -> Received: ...


class RegistryOperations(Protocol):
    async def put_building(
        self, building_id: str, fields: BuildingFields, *, by: Actor
    ) -> bool: ...

    async def put_device(self, device_id: str, fields: DeviceFields, *, by: Actor) -> bool: ...


class PushIngest(Protocol):
    """Vendor platforms' HTTP pushes (gateway/http_ingest.py)."""

    max_bytes: int

    async def push(self, name: str, request: PushRequest) -> PushResult: ...

    def handshake(self, name: str, query: Mapping[str, str]) -> str: ...


class LiveStatus(Protocol):
    """A device's status as the gateway holds it now (the database's copy is flushed every
    few seconds; ``gateway/status.py``)."""

    last_seen_ms: int | None
    battery_pct: float | None
    rssi: float | None
    fw: str | None
    online: bool


def _no_live_status(device_id: str) -> LiveStatus | None:
    return None


Write = Callable[[Callable[[Connection], T]], Awaitable[T]]


@dataclass(frozen=True, kw_only=True)
class ApiContext:
    engine: Engine
    clock: Clock
    admin_token: str | None
    # () -> list of reasons the service is not ready; empty when it is.
    readiness: Callable[[], list[str]]
    render_metrics: Callable[[], bytes]
    alarms: AlarmOperations
    tickets: TicketOperations
    registry: RegistryOperations
    # Runs a function in one transaction on the store's writer thread (tokens).
    write: Callable[[Callable[[Connection], Any]], Awaitable[Any]]
    hub: EventHub
    ingest: PushIngest | None = None
    stream_heartbeat_s: float = 15.0
    timezone: str = "Asia/Shanghai"
    report_settings: ReportSettings = field(default_factory=ReportSettings)
    # device id -> its live status, read over the database's copy (None: not known here)
    live_status: Callable[[str], LiveStatus | None] = _no_live_status
    auth_failures: AuthFailures = field(default_factory=lambda: AuthFailures(per_minute=20))
    token_usage: TokenUsage = field(default_factory=TokenUsage)
    # ha.enabled: "active" (a standby serves api/standby.py instead); None for one instance
    role: str | None = None
    ids: IdFactory = field(default_factory=IdFactory)  # used on the event loop only
    max_streams: int = 200  # event streams open at once (each holds a queue on the loop)
    inspections: InspectionOperations | None = None  # None: this service records none
    photos: PhotoStore | None = None
    photo_quota: HourlyQuota = field(default_factory=HourlyQuota)
    public: PublicOperations | None = None  # None: no public report page
    public_guards: PublicGuards = field(default_factory=PublicGuards)
    risk: RiskConfig = field(default_factory=RiskConfig)  # the risk index (docs/risk.md)
