"""The risk early warning (风险监测预警, the plan's item 12; docs/risk.md): every ``risk.scan_s``
each building's risk index is computed again, its level kept in ``risk_levels``, and a level
that rose (blue < yellow < orange < red) is notified through the routes (subject ``risk``,
reason ``raised``, kind the new level, severity warning: never critical).

Not inside a pipeline turn: the reads run on a thread of their own over the engine (as the
scheduled reports do), so the store's writer thread, which commits alarms, never waits for
them; only the small write (levels and notices, one transaction) goes through the store.
The first computation of a building (no level stored) notifies nothing: there is nothing it
rose from. A level that falls or stays is stored without a notice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.risk import Risk, assess, rose
from core.clock import Clock
from core.config.risk import RiskConfig
from core.ids import IdFactory
from gateway.notification import Notification, RiskNotice
from gateway.store.db import UNAVAILABLE
from gateway.store.risk import Stored, places, risk_inputs, save_levels, stored_levels
from gateway.store.writer import StoreWriter

log = logging.getLogger(__name__)

DAY_MS = 86_400_000
_TOP = 3  # factors named in a warning

# Hands committed notices to the dispatcher (``Dispatcher.enqueue``).
Enqueue = Callable[[Iterable[Notification]], None]


@dataclass(frozen=True, kw_only=True)
class Scan:
    risks: list[Risk]
    previous: dict[str, Stored]


def assess_street(
    conn: Connection, config: RiskConfig, *, now_ms: int, buildings: frozenset[str] | None = None
) -> list[Risk]:
    """Every building's index over the last ``risk.window_days`` (``buildings``: only these)."""
    inputs = risk_inputs(
        conn,
        places(conn, buildings=buildings, community=None),
        start_ms=now_ms - config.window_days * DAY_MS,
        end_ms=now_ms,
        low_battery_pct=config.low_battery_pct,
        min_confidence=config.ebike_min_confidence,
    )
    return [assess(i, config) for i in inputs]


class RiskWatch:
    def __init__(
        self,
        *,
        engine: sa.Engine,
        store: StoreWriter,
        enqueue: Enqueue,
        config: RiskConfig,
        clock: Clock,
        ids: IdFactory,
    ) -> None:
        self._engine = engine
        self._store = store
        self._enqueue = enqueue
        self._config = config
        self._clock = clock
        self._ids = ids

    def _read(self, now_ms: int) -> Scan:
        with self._engine.connect() as conn:
            return Scan(
                risks=assess_street(conn, self._config, now_ms=now_ms),
                previous=stored_levels(conn),
            )

    async def tick(self) -> list[Notification]:
        """Compute every building, store the levels, notify those that rose; returns the
        notices sent. A database away is logged and the scan waits for the next interval."""
        now = self._clock.now_ms()
        try:
            scan = await asyncio.to_thread(self._read, now)
        except UNAVAILABLE as exc:
            log.warning("risk index waits for the database: %s", exc.orig)
            return []
        notices = []
        for risk in scan.risks:
            before = scan.previous.get(risk.building_id)
            if before is not None and rose(before.level, risk.level):
                notices.append(self._notice(risk, before, now))
        try:
            await self._store.run_in_store(
                functools.partial(
                    save_levels,
                    risks=scan.risks,
                    previous=scan.previous,
                    now_ms=now,
                    notifications=notices,
                )
            )
        except UNAVAILABLE as exc:
            log.warning("risk levels not stored, the database is away: %s", exc.orig)
            return []
        for n in notices:
            assert n.risk is not None
            log.warning(
                "RISK %s rose %s -> %s (score %.1f)",
                n.risk.building_id, n.risk.previous_level, n.risk.level, n.risk.score,
            )  # fmt: skip
        if notices:
            self._enqueue(notices)
        return notices

    def _notice(self, risk: Risk, before: Stored, now_ms: int) -> Notification:
        top = sorted((f for f in risk.factors if f.points > 0), key=lambda f: -f.points)[:_TOP]
        return Notification(
            id=self._ids.new(now_ms),
            reason="raised",
            created_ms=now_ms,
            risk=RiskNotice(
                building_id=risk.building_id,
                level=risk.level,
                previous_level=before.level,
                score=risk.score,
                previous_score=before.score,
                top={f.name: f.points for f in top},
                lifted_by=risk.lifted_by,
            ),
        )
