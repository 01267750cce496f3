"""The processor: a batch of raw messages in, what it changes out (a turn and its points).

Synchronous and in memory: decode -> registry -> dedup -> status -> rules -> rows and points.
Nothing here waits on a server, so it can be tested without SQLite or a broker; the pipeline
(``gateway/pipeline.py``) commits the turn and writes the points.

Plain telemetry (readings and heartbeats) leaves no row but a thinned recent reading: the
series holds it, and status is flushed on its own schedule. Events (alarms, faults,
detections) are rows in ``events``, which rules restore from and reports count.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Final

import msgspec

from adapters.base import Decoded, RawMessage, Rejection
from adapters.events import Event
from adapters.registry import AdapterRegistry
from alerting.rule_engine import RuleEngine
from core.clock import Clock
from core.config import DevicesConfig, IngestConfig
from core.ids import IdFactory
from core.ratelog import LogLimiter
from gateway.batch_counts import BatchCounts
from gateway.collector import Collector
from gateway.dedup import Deduplicator
from gateway.device_index import BuildingInfo, DeviceIndex, DeviceInfo
from gateway.directory import Directory
from gateway.metrics import Metrics
from gateway.notification import Notification
from gateway.series.point import Point, PointClock, event_point
from gateway.status import StatusTracker
from gateway.store.alarms import notification_row
from gateway.store.rows import (
    BuildingRow,
    DeadLetterRow,
    DeviceRow,
    EventRow,
    PendingRow,
    ReadingRow,
    SeenRow,
)
from gateway.store.writeset import WriteSet
from gateway.turn import Turn
from gateway.unread import UnreadFields

log = logging.getLogger(__name__)

# Event types that are telemetry: they go to the series and status, not the events table.
TELEMETRY_TYPES: Final = frozenset({"reading", "heartbeat"})

_encode_json = msgspec.json.Encoder().encode


class Processor:
    def __init__(
        self,
        *,
        adapters: AdapterRegistry,
        registry: DeviceIndex,
        dedup: Deduplicator,
        status: StatusTracker,
        engine: RuleEngine,
        collector: Collector,
        metrics: Metrics,
        clock: Clock,
        ids: IdFactory,
        ingest: IngestConfig,
        devices: DevicesConfig,
        unread: UnreadFields,
    ) -> None:
        self._adapters = adapters
        self._unread = unread
        self._notices: list[Notification] = []
        self._registry = registry
        self._dedup = dedup
        self._status = status
        self._engine = engine
        self._collector = collector
        self._metrics = metrics
        self._clock = clock
        self._ids = ids
        self._ingest = ingest
        self._devices = devices
        self._point_clock = PointClock()
        self._directory = Directory(registry=registry, book=engine.book)
        # At most one log line per device (or topic) per ``ingest.reject_log_interval_s``.
        self._log_limiter = LogLimiter(interval_ms=ingest.reject_log_interval_s * 1000)
        self._counts = BatchCounts()

    def process(self, messages: Sequence[RawMessage]) -> tuple[Turn, list[Point]]:
        """Decode and apply ``messages`` in memory; return what must be made durable."""
        turn = self.start()
        points: list[Point] = []
        self.feed(turn, points, messages)
        self.finish(turn, messages)
        return turn, points

    def start(self) -> Turn:
        """A turn to ``feed`` messages into, a slice at a time (the pipeline yields to the
        event loop between slices, so that committed turns are announced meanwhile)."""
        return Turn(engine=self._engine, now=self._clock.now_ms())

    def feed(self, turn: Turn, points: list[Point], messages: Sequence[RawMessage]) -> None:
        ws = turn.ws
        sources = self._counts.sources
        decode, directory = self._adapters.decode, self._directory
        for message in messages:
            sources[message.source] = sources.get(message.source, 0) + 1
            decoded = decode(message, directory)
            if message.held_id is not None:
                self._replay(ws, points, message, decoded)
                continue
            if isinstance(decoded, Rejection):
                decoded = (decoded,)
            for outcome in decoded:
                if type(outcome) is Event:
                    self._accept(ws, points, message, outcome)
                elif isinstance(outcome, Rejection):
                    if outcome.reason == "unknown_device" and outcome.identifier:
                        self._hold(ws, message, outcome)
                    else:
                        self._reject(ws, message, outcome)

    def finish(self, turn: Turn, messages: Sequence[RawMessage]) -> None:
        """Collect what the rules did and date the turn by its last live message."""
        last = messages[-1] if messages else None
        if last is not None and last.held_id is None:
            turn.now = last.received_ms
        self._counts.publish(self._metrics)
        self._counts = BatchCounts()
        for notice in self._notices:
            turn.ws.notifications.append(notification_row(notice))
            turn.notifications.append(notice)
        self._notices.clear()
        self._collector.collect(turn)

    # ---- per message ------------------------------------------------------------------

    def _resolve(self, ws: WriteSet, message: RawMessage, event: Event) -> Event | None:
        """The event placed where the registry says its device is (registering it if that
        is allowed), or None when it was rejected."""
        device = self._registry.device(event.device_id)
        if device is None:
            if not self._devices.auto_register:
                self._reject(ws, message, _rejection(event, "unknown_device", "not registered"))
                return None
            if self._registry.auto_registered >= self._devices.auto_register_max:
                # Past the cap a stranger on the broker cannot grow the registry (and its
                # offline alarms and tickets): the device waits, held, for someone to
                # register it (GET /api/v1/pending).
                self._hold(ws, message, _held(event))
                return None
            device = self._register(ws, event)
        elif device.device_type != event.device_type:
            detail = f"registered as {device.device_type}, sent as {event.device_type}"
            self._reject(ws, message, _rejection(event, "device_type_mismatch", detail))
            return None
        if device.building_id != event.building_id:
            # The registry is the authority on where a device is installed.
            event = msgspec.structs.replace(event, building_id=device.building_id)
        return event

    def _accept(self, ws: WriteSet, points: list[Point], message: RawMessage, event: Event) -> None:
        resolved = self._resolve(ws, message, event)
        if resolved is None:
            return
        event = resolved
        community = self._registry.community(event.building_id)
        msg_id = event.msg_id
        counts = self._counts
        if msg_id is not None:
            first_us = self._dedup.seen(event.device_id, msg_id, event.received_ms)
            if first_us is not None:
                counts.duplicates += 1
                # Write the first copy's point again: a no-op if it was written, and the
                # point itself if a crash came between its commit and its series write.
                points.append(event_point(event, community=community, ts_us=first_us))
                return
        point_us = self._point_clock.time_us(event.device_id, event.ts_ms)
        telemetry = event.type in TELEMETRY_TYPES
        if msg_id is not None:
            self._dedup.remember(event.device_id, msg_id, event.received_ms, point_us)
        if msg_id is not None and not telemetry:
            # Only events are remembered across a crash: a reading applied twice after one
            # rewrites status and its own point; a row per reading would cost more than it
            # saves (docs/architecture.md, "What accepted means").
            ws.seen.append(
                SeenRow(
                    device_id=event.device_id,
                    msg_id=msg_id,
                    received_ms=event.received_ms,
                    point_us=point_us,
                )
            )
        accepted = counts.accepted
        accepted[event.device_type] = accepted.get(event.device_type, 0) + 1
        if event.ts_replaced:
            counts.ts_replaced += 1
        live = message.held_id is None  # a held message is history: it arrived before we knew
        if live:
            if self._status.observe(event):
                # Back online (or new): the flag is written with the turn, not the next flush,
                # so that filters on it agree with the alarm that cleared.
                ws.statuses.append(self._status.row(event.device_id))
            self._engine.on_event(event)
        numbers = event.numeric_fields()
        points.append(event_point(event, community=community, ts_us=point_us, numbers=numbers))
        if not telemetry:
            ws.events.append(
                EventRow(
                    id=self._ids.new(event.received_ms),
                    device_id=event.device_id,
                    building_id=event.building_id,
                    device_type=event.device_type,
                    type=event.type,
                    received_ms=event.received_ms,
                    ts_ms=event.ts_ms,
                    msg_id=msg_id,
                    source=event.source,
                    confidence=event.confidence,
                    data=_encode_json(event).decode(),
                )
            )
        # Held messages keep every reading: history is not thinned against live status.
        if numbers and (not live or self._status.reading_due(event)):
            ws.readings.append(
                ReadingRow(
                    device_id=event.device_id,
                    at_ms=event.received_ms,
                    data=_encode_json(numbers).decode(),
                )
            )

    def _register(self, ws: WriteSet, event: Event) -> DeviceInfo:
        now = event.received_ms
        if not self._registry.has_building(event.building_id):
            ws.buildings.append(
                BuildingRow(
                    building_id=event.building_id, auto=True, created_ms=now, updated_ms=now
                )
            )
            self._registry.put_building(BuildingInfo(building_id=event.building_id))
        ws.devices.append(
            DeviceRow(
                device_id=event.device_id,
                device_type=event.device_type,
                building_id=event.building_id,
                auto=True,
                online=True,
                first_seen_ms=now,
                last_seen_ms=now,
                created_ms=now,
                updated_ms=now,
            )
        )
        info = DeviceInfo(
            device_id=event.device_id,
            device_type=event.device_type,
            building_id=event.building_id,
        )
        self._registry.put_device(info, auto=True)
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
        held = self._counts.held
        held[rejection.adapter] = held.get(rejection.adapter, 0) + 1
        ws.pending.append(
            PendingRow(
                id=self._ids.new(message.received_ms),
                adapter=rejection.adapter,
                identifier=rejection.identifier,
                device_type=rejection.device_type,
                summary=(rejection.summary or "")[:64] or None,
                received_ms=message.received_ms,
                source=message.source,
                topic=message.topic[:1024],
                payload=message.payload[: self._ingest.max_payload_bytes],
            )
        )
        if self._log_limiter.due(
            f"{rejection.adapter}:{rejection.identifier}", message.received_ms
        ):
            log.warning(
                "held a %s message of unregistered device %s (%s) until it is registered",
                rejection.adapter,
                rejection.identifier,
                rejection.summary or "?",
            )

    def _reject(self, ws: WriteSet, message: RawMessage, rejection: Rejection) -> None:
        rejected = self._counts.rejected
        reason = rejection.reason
        if reason.startswith("unmapped:"):
            label = "unmapped"  # the field names are in the dead letter, not in a label
            if rejection.product:
                fields = tuple(reason.split(":", 1)[1].split(","))
                notice = self._unread.seen(
                    rejection.product, fields, rejection.device_id, message.received_ms
                )
                if notice is not None:
                    self._notices.append(notice)
        else:
            label = reason
        rejected[label] = rejected.get(label, 0) + 1
        payload = message.payload[: self._ingest.max_payload_bytes]
        detail = rejection.detail
        if len(payload) < len(message.payload):
            detail += f" (payload truncated from {len(message.payload)} bytes)"
        ws.dead_letters.append(
            DeadLetterRow(
                id=self._ids.new(message.received_ms),
                received_ms=message.received_ms,
                source=message.source,
                adapter=rejection.adapter,
                topic=message.topic[:1024],
                reason=rejection.reason,
                detail=detail[:2000],
                device_id=rejection.device_id,
                building_id=rejection.building_id,
                payload=payload,
                product=rejection.product,
            )
        )
        if self._log_limiter.due(rejection.device_id or message.topic[:128], message.received_ms):
            log.warning(
                "rejected message on %s: %s (%s)",
                message.topic[:200],
                rejection.reason,
                detail[:200],
            )


def _held(event: Event) -> Rejection:
    """A canonical message of an unknown device past ``devices.auto_register_max``."""
    return Rejection(
        reason="unknown_device",
        detail="not registered; devices.auto_register_max reached",
        adapter="canonical",
        device_id=event.device_id,
        building_id=event.building_id,
        identifier=event.device_id,
        device_type=event.device_type,
        summary=event.type,
    )


def _rejection(event: Event, reason: str, detail: str) -> Rejection:
    return Rejection(
        reason=reason,
        detail=detail,
        adapter=event.source,
        device_id=event.device_id,
        building_id=event.building_id,
    )
