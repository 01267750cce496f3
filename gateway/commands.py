"""Operators' alarm commands, run in the pipeline's turn so that one writer changes alarms."""

from __future__ import annotations

from alerting.engine import Engine
from alerting.model import Alarm, AlarmNotFound
from gateway.pipeline import Pipeline
from gateway.store.alarms import load_alarm
from gateway.store.writer import StoreWriter
from siteguard.clock import Clock


class AlarmCommands:
    def __init__(self, *, pipeline: Pipeline, store: StoreWriter, clock: Clock) -> None:
        self._pipeline = pipeline
        self._store = store
        self._clock = clock

    async def acknowledge(self, alarm_id: str, *, verdict: str, note: str | None, by: str) -> Alarm:
        async def command(engine: Engine) -> Alarm:
            target: Alarm | str = alarm_id
            if engine.book.by_id(alarm_id) is None:
                # Not active: a cleared alarm can still be acknowledged, with a verdict.
                stored = await self._store.run_in_store(lambda conn: load_alarm(conn, alarm_id))
                if stored is None:
                    raise AlarmNotFound(f"alarm {alarm_id} not found")
                target = stored
            now = self._clock.now_ms()
            return engine.acknowledge(target, verdict=verdict, note=note, by=by, now=now)

        return await self._pipeline.execute(command)

    async def clear(self, alarm_id: str, *, note: str | None, by: str) -> Alarm:
        async def command(engine: Engine) -> Alarm:
            if engine.book.by_id(alarm_id) is None:
                known = await self._store.run_in_store(lambda conn: load_alarm(conn, alarm_id))
                if known is None:
                    raise AlarmNotFound(f"alarm {alarm_id} not found")
            return engine.clear(alarm_id, note=note, by=by, now=self._clock.now_ms())

        return await self._pipeline.execute(command)
