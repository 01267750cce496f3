"""The pipeline: raw messages in, durable effects out, in batches.

One task takes the messages that arrived since its last turn (at most ``ingest.batch_max``),
decodes, deduplicates and applies them in memory (status, rules), commits the batch's
write-set (or spools it), announces the batch's alarm changes, and hands the batch's points
to the series writer together with a future. The future resolves once those points are
durable too; ingest acknowledges the batch's QoS 1 messages to the broker only then
(docs/architecture.md, "What accepted means").

The same task fires the rule engine's timers and carries out operators' commands (ack,
clear), so every change to an alarm is made by one writer, in one order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

import msgspec

from adapters.base import Decoded, RawMessage, Rejection
from adapters.events import Event
from adapters.registry import AdapterRegistry
from alerting.engine import Engine
from alerting.model import Alarm
from gateway.dedup import Deduplicator
from gateway.directory import Directory
from gateway.hub import EventHub, HubEvent
from gateway.metrics import Metrics
from gateway.notify.dispatcher import Dispatcher
from gateway.registry import BuildingInfo, DeviceInfo, Registry
from gateway.series.point import Point, PointClock, event_point
from gateway.series.writer import SeriesWriter
from gateway.spool import SpoolFull
from gateway.status import StatusTracker
from gateway.store.alarms import (
    alarm_object,
    alarm_row,
    history_row,
    notification_for,
    notification_row,
)
from gateway.store.writer import StoreWriter
from gateway.store.writeset import WriteSet
from gateway.tickets import TicketDesk
from gateway.turn import Turn
from siteguard.clock import Clock
from siteguard.config import DevicesConfig, IngestConfig
from siteguard.ids import IdFactory

log = logging.getLogger(__name__)

# Event types that are telemetry: they go to the series and status, not the events table.
TELEMETRY_TYPES: Final = frozenset({"reading", "heartbeat"})

_encode_json = msgspec.json.Encoder().encode
T = TypeVar("T")
Command = Callable[[Turn], Awaitable[Any]]


class _Chunk:
    __slots__ = ("done", "messages")

    def __init__(self) -> None:
        self.messages: list[RawMessage] = []
        self.done: asyncio.Future[None] | None = None


class Pipeline:
    def __init__(
        self,
        *,
        adapters: AdapterRegistry,
        registry: Registry,
        dedup: Deduplicator,
        status: StatusTracker,
        store: StoreWriter,
        series: SeriesWriter,
        engine: Engine,
        tickets: TicketDesk,
        hub: EventHub,
        dispatcher: Dispatcher,
        metrics: Metrics,
        clock: Clock,
        ids: IdFactory,
        ingest: IngestConfig,
        devices: DevicesConfig,
    ) -> None:
        self._adapters = adapters
        self._registry = registry
        self._dedup = dedup
        self._status = status
        self._store = store
        self._series = series
        self._engine = engine
        self._tickets = tickets
        self._hub = hub
        self._dispatcher = dispatcher
        self._metrics = metrics
        self._clock = clock
        self._ids = ids
        self._ingest = ingest
        self._devices = devices
        self._chunks: deque[_Chunk] = deque()
        self._commands: deque[tuple[Command, asyncio.Future[Any]]] = deque()
        self._pending = 0
        self._wake = asyncio.Event()
        self._closing = False
        self._last_reject_log: dict[str, int] = {}
        self._point_clock = PointClock()
        self._directory = Directory(registry=registry, book=engine.book)

    # ---- intake -----------------------------------------------------------------------

    def submit(self, message: RawMessage, *, want_ack: bool) -> asyncio.Future[None] | None:
        """Queue ``message``; with ``want_ack``, return a future resolved once it is durable."""
        chunk = self._chunks[-1] if self._chunks else None
        if chunk is None or len(chunk.messages) >= self._ingest.batch_max:
            chunk = _Chunk()
            self._chunks.append(chunk)
        chunk.messages.append(message)
        self._pending += 1
        self._wake.set()
        if not want_ack:
            return None
        if chunk.done is None:
            chunk.done = asyncio.get_running_loop().create_future()
        return chunk.done

    @property
    def pending(self) -> int:
        return self._pending

    def active_alarms(self) -> list[Alarm]:
        return self._engine.book.all_active()

    # ---- the loop ---------------------------------------------------------------------

    async def execute(self, command: Callable[[Turn], Awaitable[T]]) -> T:
        """Run ``command`` in the pipeline's turn; what it changes is committed and announced
        before its result is returned (or its error raised, with nothing changed)."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._commands.append((command, done))
        self._wake.set()
        return await done

    async def run(self) -> None:
        """Process chunks, commands and timers until ``drain`` and everything queued is done."""
        while True:
            if self._commands:
                await self._run_command(*self._commands.popleft())
            elif self._chunks:
                chunk = self._chunks.popleft()
                self._pending -= len(chunk.messages)
                await self._handle(chunk)
            elif self._closing:
                return
            else:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._next_timer_s())
            await self._tick()

    async def drain(self) -> None:
        """Stop once what was submitted so far is processed."""
        self._closing = True
        self._wake.set()

    def new_turn(self) -> Turn:
        return Turn(engine=self._engine, now=self._clock.now_ms())

    async def _tick(self) -> None:
        """Fire the rule engine's due timers (holds, leases, quiet periods, reminders)."""
        due = self._engine.next_due()
        now = self._clock.now_ms()
        if due is None or due > now:
            return
        self._engine.advance(now)
        turn = self.new_turn()
        self._collect(turn)
        await self._finish(turn)

    def _next_timer_s(self) -> float:
        due = self._engine.next_due()
        if due is None:
            return 1.0
        return min(1.0, max(0.0, (due - self._clock.now_ms()) / 1000))

    async def _run_command(self, command: Command, done: asyncio.Future[Any]) -> None:
        turn = self.new_turn()
        try:
            result = await command(turn)
        except Exception as exc:  # noqa: BLE001 - handed to the caller, who decides
            self._engine.take_changes()  # a refused command changes nothing
            self._engine.take_tickets()
            if not done.done():
                done.set_exception(exc)
            return
        self._collect(turn)
        await self._finish(turn)
        if not done.done():
            done.set_result(result)

    async def _handle(self, chunk: _Chunk) -> None:
        turn, points = self.process(chunk.messages)
        await self._finish(turn)
        await self._series.wait_for_room()
        self._series.add(points, chunk.done)
        live = [m.received_ms for m in chunk.messages if m.held_id is None]
        if live:
            lag = max(0, self._clock.now_ms() - min(live)) / 1000
            self._metrics.pipeline_lag.set(lag)
            self._metrics.pipeline_latency.observe(lag)
        self._metrics.pipeline_pending.set(self._pending)

    async def _finish(self, turn: Turn) -> None:
        """Commit the turn, then announce it: nothing is told before it is durable."""
        while True:
            try:
                await self._store.commit(turn.ws)
                break
            except SpoolFull as exc:
                log.error("database spool full, holding ingest: %s", exc)
                self._metrics.db_spool_full.set(1)
                await asyncio.sleep(1.0)
        self._metrics.db_spool_full.set(0)
        for event in turn.events:
            self._hub.publish(event)
        self._dispatcher.enqueue(turn.notifications)
        if turn.changes:
            self._metrics.alarms_active.set(len(self._engine.book.all_active()))

    def _collect(self, turn: Turn) -> None:
        """Move the engine's alarm changes, tickets and rule state into the turn."""
        ws, now = turn.ws, turn.now
        changes = self._engine.take_changes()
        alarms: dict[str, dict[str, Any]] = {}
        for change in changes:
            alarm = change.alarm
            alarms[alarm.id] = alarm_row(alarm)
            ws.alarm_history.append(history_row(change))
            turn.events.append(
                HubEvent(
                    topic="alarm",
                    id=change.id,
                    building_id=alarm.building_id,
                    data=alarm_object(alarm),
                )
            )
            if change.notify != "none":
                notification = notification_for(change)
                ws.notifications.append(
                    notification_row(notification, held=change.notify == "hold")
                )
                if change.notify == "send":
                    turn.notifications.append(notification)
                else:
                    self._metrics.notifications_held.inc()
            if alarm.kind == "device_offline" and change.action == "opened" and alarm.device_id:
                if self._status.mark_offline(alarm.device_id):
                    ws.statuses.append(self._status.row(alarm.device_id, now))
                log.info("device %s offline (nothing heard within its lease)", alarm.device_id)
            self._metrics.alarm_changes.labels(alarm.kind, change.action).inc()
        ws.alarms = list(alarms.values())
        turn.changes.extend(changes)
        for request in self._engine.take_tickets():
            self._tickets.open_for_alarm(turn, request)
        ws.rule_states = [
            {"building_id": b, "state": state.decode(), "updated_ms": now}
            for b, state in self._engine.take_states()
        ]

    # ---- per message ------------------------------------------------------------------

    def process(self, messages: list[RawMessage]) -> tuple[Turn, list[Point]]:
        """Decode and apply ``messages`` in memory; return what must be made durable."""
        last = messages[-1] if messages else None
        now = last.received_ms if last and last.held_id is None else self._clock.now_ms()
        turn = Turn(engine=self._engine, now=now)
        ws = turn.ws
        points: list[Point] = []
        sources: dict[str, int] = {}
        for message in messages:
            sources[message.source] = sources.get(message.source, 0) + 1
            decoded = self._adapters.decode(message, self._directory)
            if message.held_id is not None:
                self._replay(ws, points, message, decoded)
                continue
            if isinstance(decoded, Rejection):
                decoded = (decoded,)
            for outcome in decoded:
                if not isinstance(outcome, Rejection):
                    self._accept(ws, points, message, outcome)
                elif outcome.reason == "unknown_device" and outcome.identifier:
                    self._hold(ws, message, outcome)
                else:
                    self._reject(ws, message, outcome)
        for source, count in sources.items():
            self._metrics.received.labels(source).inc(count)
        # Readings are keyed by (device, ms): keep the last of a batch, as the device page would.
        ws.readings = list({(r["device_id"], r["at_ms"]): r for r in ws.readings}.values())
        self._collect(turn)
        return turn, points

    def _accept(self, ws: WriteSet, points: list[Point], message: RawMessage, event: Event) -> None:
        device = self._registry.device(event.device_id)
        if device is None:
            if not self._devices.auto_register:
                self._reject(ws, message, _rejection(event, "unknown_device", "not registered"))
                return
            device = self._register(ws, event)
        elif device.device_type != event.device_type:
            detail = f"registered as {device.device_type}, sent as {event.device_type}"
            self._reject(ws, message, _rejection(event, "device_type_mismatch", detail))
            return
        if device.building_id != event.building_id:
            # The registry is the authority on where a device is installed.
            event = msgspec.structs.replace(event, building_id=device.building_id)
        community = self._registry.community(device.building_id)
        if event.msg_id is not None:
            point_us = self._dedup.seen(event.device_id, event.msg_id, event.received_ms)
            if point_us is not None:
                self._metrics.duplicates.inc()
                # Write the first copy's point again: a no-op if it was written, and the
                # point itself if a crash came between its commit and its series write.
                points.append(event_point(event, community=community, ts_us=point_us))
                return
        point_us = self._point_clock.time_us(event.device_id, event.ts_ms)
        if event.msg_id is not None:
            self._dedup.remember(event.device_id, event.msg_id, event.received_ms, point_us)
            ws.seen.append(
                {
                    "device_id": event.device_id,
                    "msg_id": event.msg_id,
                    "received_ms": event.received_ms,
                    "point_us": point_us,
                }
            )
        self._metrics.accepted.labels(event.device_type).inc()
        if event.ts_replaced:
            self._metrics.ts_replaced.inc()
        if message.held_id is None:  # a held message is history: it arrived before we knew
            self._status.observe(event)
            self._engine.on_event(event)
        points.append(event_point(event, community=community, ts_us=point_us))
        if event.type not in TELEMETRY_TYPES:
            ws.events.append(
                {
                    "id": self._ids.new(event.received_ms),
                    "device_id": event.device_id,
                    "building_id": event.building_id,
                    "device_type": event.device_type,
                    "type": event.type,
                    "received_ms": event.received_ms,
                    "ts_ms": event.ts_ms,
                    "msg_id": event.msg_id,
                    "source": event.source,
                    "confidence": event.confidence,
                    "data": _encode_json(event).decode(),
                }
            )
        numbers = event.numeric_fields()
        # Held messages keep every reading: history is not thinned against live status.
        if numbers and (message.held_id is not None or self._status.reading_due(event)):
            ws.readings.append(
                {
                    "device_id": event.device_id,
                    "at_ms": event.received_ms,
                    "data": _encode_json(numbers).decode(),
                }
            )

    def _register(self, ws: WriteSet, event: Event) -> DeviceInfo:
        now = event.received_ms
        if not self._registry.has_building(event.building_id):
            ws.buildings.append(
                {
                    "building_id": event.building_id,
                    "auto": True,
                    "created_ms": now,
                    "updated_ms": now,
                }
            )
            self._registry.put_building(BuildingInfo(building_id=event.building_id))
        ws.devices.append(
            {
                "device_id": event.device_id,
                "device_type": event.device_type,
                "building_id": event.building_id,
                "auto": True,
                "online": True,
                "first_seen_ms": now,
                "last_seen_ms": now,
                "created_ms": now,
                "updated_ms": now,
            }
        )
        info = DeviceInfo(
            device_id=event.device_id,
            device_type=event.device_type,
            building_id=event.building_id,
        )
        self._registry.put_device(info)
        self._metrics.devices_registered.inc()
        log.info(
            "registered device %s (%s) in building %s",
            info.device_id,
            info.device_type,
            info.building_id,
        )
        return info

    def _replay(
        self, ws: WriteSet, points: list[Point], message: RawMessage, decoded: Decoded
    ) -> None:
        """A held message, its device now registered: only that device's part of it counts
        (the rest of a platform batch was taken, held or rejected the first time)."""
        device = self._registry.by_identifier(message.held_for or "")
        if device is None:
            return  # unregistered again meanwhile: it stays held
        for outcome in (decoded,) if isinstance(decoded, Rejection) else decoded:
            if not isinstance(outcome, Rejection):
                if outcome.device_id == device.device_id:
                    self._accept(ws, points, message, outcome)
            elif outcome.device_id == device.device_id:
                self._reject(ws, message, outcome)
        ws.released.append(message.held_id or "")
        self._metrics.released.inc()

    def _hold(self, ws: WriteSet, message: RawMessage, rejection: Rejection) -> None:
        """Keeps a vendor message of an unregistered device until it is registered."""
        assert rejection.identifier is not None
        self._metrics.held.labels(rejection.adapter).inc()
        ws.pending.append(
            {
                "id": self._ids.new(message.received_ms),
                "adapter": rejection.adapter,
                "identifier": rejection.identifier,
                "device_type": rejection.device_type,
                "summary": (rejection.summary or "")[:64] or None,
                "received_ms": message.received_ms,
                "source": message.source,
                "topic": message.topic[:1024],
                "payload": message.payload[: self._ingest.max_payload_bytes],
            }
        )
        key = f"{rejection.adapter}:{rejection.identifier}"
        last = self._last_reject_log.get(key)
        if last is None or message.received_ms - last >= self._ingest.reject_log_interval_s * 1000:
            self._last_reject_log[key] = message.received_ms
            log.warning(
                "held a %s message of unregistered device %s (%s) until it is registered",
                rejection.adapter,
                rejection.identifier,
                rejection.summary or "?",
            )

    def _reject(self, ws: WriteSet, message: RawMessage, rejection: Rejection) -> None:
        self._metrics.rejected.labels(rejection.reason).inc()
        payload = message.payload[: self._ingest.max_payload_bytes]
        detail = rejection.detail
        if len(payload) < len(message.payload):
            detail += f" (payload truncated from {len(message.payload)} bytes)"
        ws.dead_letters.append(
            {
                "id": self._ids.new(message.received_ms),
                "received_ms": message.received_ms,
                "source": message.source,
                "adapter": rejection.adapter,
                "topic": message.topic[:1024],
                "reason": rejection.reason,
                "detail": detail[:2000],
                "device_id": rejection.device_id,
                "building_id": rejection.building_id,
                "payload": payload,
            }
        )
        key = rejection.device_id or message.topic[:128]
        last = self._last_reject_log.get(key)
        if last is None or message.received_ms - last >= self._ingest.reject_log_interval_s * 1000:
            self._last_reject_log[key] = message.received_ms
            if len(self._last_reject_log) > 100_000:
                self._last_reject_log.clear()
            log.warning(
                "rejected message on %s: %s (%s)",
                message.topic[:200],
                rejection.reason,
                detail[:200],
            )


def _rejection(event: Event, reason: str, detail: str) -> Rejection:
    return Rejection(
        reason=reason,
        detail=detail,
        adapter=event.source,
        device_id=event.device_id,
        building_id=event.building_id,
    )
