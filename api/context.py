"""What the API needs from the running service, passed in explicitly (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from siteguard.clock import Clock


@dataclass(frozen=True, kw_only=True)
class ApiContext:
    engine: Engine
    clock: Clock
    admin_token: str | None
    # () -> list of reasons the service is not ready; empty when it is.
    readiness: Callable[[], list[str]]
    render_metrics: Callable[[], bytes]
