"""What the API needs from the running service, passed in explicitly (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Engine

from alerting.model import Alarm
from gateway.hub import EventHub
from siteguard.clock import Clock


class AlarmOperations(Protocol):
    """Operators' changes to alarms; carried out by the gateway's single writer."""

    async def acknowledge(
        self, alarm_id: str, *, verdict: str, note: str | None, by: str
    ) -> Alarm: ...

    async def clear(self, alarm_id: str, *, note: str | None, by: str) -> Alarm: ...


@dataclass(frozen=True, kw_only=True)
class ApiContext:
    engine: Engine
    clock: Clock
    admin_token: str | None
    # () -> list of reasons the service is not ready; empty when it is.
    readiness: Callable[[], list[str]]
    render_metrics: Callable[[], bytes]
    alarms: AlarmOperations
    hub: EventHub
