"""What people change through the API: alarms and tickets in the pipeline's turn (one
writer), registry rows on the store's thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from alerting.model import Alarm, AlarmNotFound
from alerting.tickets import (
    Role,
    Ticket,
    TicketEntry,
    TicketError,
    classify,
    move,
    refer,
    supervise,
)
from core.clock import Clock, SystemClock
from core.ids import IdFactory
from gateway import maintenance
from gateway.audit import Actor, audit_row, record_upsert
from gateway.backlog import BacklogReport, import_backlog
from gateway.device_index import BuildingInfo, DeviceIndex, DeviceInfo
from gateway.pending import PendingReleaser
from gateway.pipeline import Pipeline
from gateway.shapes import TicketObject
from gateway.store.alarms import load_alarm
from gateway.store.db import UNAVAILABLE
from gateway.store.registry_rows import (
    BuildingFields,
    DeviceFields,
    Upserted,
    upsert_building,
    upsert_device,
)
from gateway.store.tickets import histories, load_ticket
from gateway.store.writer import StoreWriter
from gateway.tickets import TicketDesk
from gateway.turn import Turn

T = TypeVar("T")
log = logging.getLogger(__name__)


class AlarmCommands:
    """Acknowledge and clear, at the time of the pipeline's turn that carries them out."""

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        store: StoreWriter,
        ids: IdFactory,
        desk: TicketDesk | None = None,  # for the maintenance tickets of false alarms
    ) -> None:
        self._pipeline = pipeline
        self._store = store
        self._ids = ids
        self._desk = desk

    async def acknowledge(
        self, alarm_id: str, *, verdict: str, note: str | None, by: Actor
    ) -> Alarm:
        async def command(turn: Turn) -> Alarm:
            # Not active: a cleared alarm can still be acknowledged, with a verdict.
            before = await self._current(turn, alarm_id)
            in_book = turn.engine.book.by_id(alarm_id) is not None
            after = turn.engine.acknowledge(
                alarm_id if in_book else before,
                verdict=verdict,
                note=note,
                by=by.name,
                now=turn.now,
            )
            self._audit(turn, by, "alarm.acknowledge", before, after)
            if self._desk is not None and maintenance.needs_ticket(before, after):
                await self._maintenance(turn, after)
            return after

        return await self._pipeline.execute(command)

    async def _maintenance(self, turn: Turn, alarm: Alarm) -> None:
        """A maintenance ticket for a detector past its false alarms (gateway/maintenance.py).
        Only on a false-alarm verdict: the read it needs never delays a real alarm's turn."""
        assert self._desk is not None
        config = self._desk.config
        if config.false_alarms_for_ticket == 0:
            return
        window = config.false_alarm_window_days
        count, already = await in_store(
            self._store,
            lambda conn: maintenance.false_alarms(conn, alarm, now_ms=turn.now, window_days=window),
        )
        if already or count < config.false_alarms_for_ticket:
            return
        self._desk.open_by_hand(
            turn,
            title=maintenance.title_for(alarm.device_id or ""),
            category="device",
            building_id=alarm.building_id,
            severity="warning",
            responsible=None,
            due_ms=None,
            venue_type=None,
            note=f"{window} 天内误报 {count} 次；最近一次：报警 {alarm.id}。请检修或更换探测器。",
            by=maintenance.BY,
            source="alarm",
        )

    async def clear(self, alarm_id: str, *, note: str | None, by: Actor) -> Alarm:
        async def command(turn: Turn) -> Alarm:
            before = await self._current(turn, alarm_id)
            after = turn.engine.clear(alarm_id, note=note, by=by.name, now=turn.now)
            self._audit(turn, by, "alarm.clear", before, after)
            return after

        return await self._pipeline.execute(command)

    async def _current(self, turn: Turn, alarm_id: str) -> Alarm:
        active = turn.engine.book.by_id(alarm_id)
        if active is not None:
            return active
        stored = await in_store(self._store, lambda conn: load_alarm(conn, alarm_id))
        if stored is None:
            raise AlarmNotFound(f"alarm {alarm_id} not found")
        return stored

    def _audit(self, turn: Turn, by: Actor, action: str, before: Alarm, after: Alarm) -> None:
        turn.ws.audit.append(
            audit_row(
                entry_id=self._ids.new(turn.now),
                at_ms=turn.now,
                actor=by,
                action=action,
                target_kind="alarm",
                target_id=after.id,
                before=before,
                after=after,
            )
        )


class StoreUnavailable(Exception):
    """The database is down or still catching up on spooled writes; try again shortly."""

    status = 503


async def in_store(store: StoreWriter, fn: Callable[[Connection], T]) -> T:
    """Run ``fn`` on the store's thread for a person waiting on the API. While the database
    is down or still replaying its spool they get StoreUnavailable (503, try again) instead
    of waiting, or reading rows the replay has not written yet."""
    if not store.available:
        raise StoreUnavailable("the database is unavailable or catching up; try again")
    try:
        return await store.run_in_store(fn)
    except UNAVAILABLE as exc:
        # The driver's text names hosts and users: it goes to the log, not to the client.
        log.warning("database unavailable for a command: %s", exc.orig)
        raise StoreUnavailable("the database is unavailable; try again shortly") from exc


class TicketNotFound(TicketError):
    status = 404


class TicketCommands:
    """Tickets opened and moved by people; run in the pipeline's turn (one writer)."""

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        store: StoreWriter,
        desk: TicketDesk,
        ids: IdFactory,
        escalate_every_ms: int,
        clock: Clock | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._store = store
        self._desk = desk
        self._ids = ids
        self._every = escalate_every_ms
        self._clock = clock or SystemClock()

    @property
    def departments(self) -> tuple[str, ...]:
        """Where a ticket may be referred (移送): ``tickets.departments``."""
        return self._desk.departments

    async def import_backlog(
        self, rows: list[tuple[int, dict[str, str]]], *, by: Actor, where: str
    ) -> BacklogReport:
        """The hazard backlog (存量隐患), in one transaction on the store's thread: not a
        pipeline turn, so that a long import never holds an alarm back."""
        now = self._clock.now_ms()
        audit_id = self._ids.new(now)

        def work(conn: Connection) -> BacklogReport:
            return import_backlog(
                lambda write: write(conn),
                iter(rows),
                config=self._desk.config,
                now_ms=now,
                actor=by,
                audit_id=audit_id,
                where=where,
            )

        return await in_store(self._store, work)

    async def create(self, *, by: Actor, **fields: Any) -> TicketObject:
        async def command(turn: Turn) -> TicketObject:
            ticket, history = self._desk.open_by_hand(turn, by=by.name, **fields)
            turn.ws.audit.append(
                audit_row(
                    entry_id=self._ids.new(turn.now),
                    at_ms=turn.now,
                    actor=by,
                    action="ticket.create",
                    target_kind="ticket",
                    target_id=ticket.id,
                    after=ticket,
                )
            )
            return TicketObject.of(ticket, history)

        return await self._pipeline.execute(command)

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
        async def command(turn: Turn) -> TicketObject:
            loaded = await in_store(self._store, lambda conn: load_ticket(conn, ticket_id))
            if loaded is None or (buildings is not None and loaded[0].building_id not in buildings):
                raise TicketNotFound(f"ticket {ticket_id!r} not found")
            ticket, history = loaded
            updated, entry = move(
                ticket,
                to,
                role=role,
                by=by.name,
                note=note,
                now=turn.now,
                entry_id=self._ids.new(turn.now),
                responsible=responsible,
            )
            turn.ws.audit.append(
                audit_row(
                    entry_id=self._ids.new(turn.now),
                    at_ms=turn.now,
                    actor=by,
                    action="ticket.move",
                    target_kind="ticket",
                    target_id=ticket.id,
                    before=ticket,
                    after=updated,
                )
            )
            return self._desk.record(turn, updated, history, entry, new=False, notify=None)

        return await self._pipeline.execute(command)

    # ---- the hazard register (隐患台账): classify, supervise (挂牌督办), refer (移送) ----

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
        def change(ticket: Ticket, now: int, entry_id: str) -> tuple[Ticket, TicketEntry]:
            return classify(
                ticket,
                hazard_class=hazard_class,
                criterion=criterion,
                role=role,
                by=by.name,
                note=note,
                now=now,
                entry_id=entry_id,
            )

        return await self._register(ticket_id, "ticket.classify", change, by, buildings)

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
        def change(ticket: Ticket, now: int, entry_id: str) -> tuple[Ticket, TicketEntry]:
            return supervise(
                ticket, due_ms=due_ms, role=role, by=by.name, note=note, now=now, entry_id=entry_id
            )

        # 挂牌督办 is announced: to the duty room's routes, and to the building's responsible
        # person where a route says so (docs/notifications.md).
        return await self._register(
            ticket_id, "ticket.supervise", change, by, buildings, notify="supervised"
        )

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
        def change(ticket: Ticket, now: int, entry_id: str) -> tuple[Ticket, TicketEntry]:
            return refer(
                ticket,
                department=department,
                departments=self._desk.departments,
                reply=reply,
                role=role,
                by=by.name,
                note=note,
                now=now,
                entry_id=entry_id,
            )

        return await self._register(ticket_id, "ticket.refer", change, by, buildings)

    async def _register(
        self,
        ticket_id: str,
        action: str,
        change: Callable[[Ticket, int, str], tuple[Ticket, TicketEntry]],
        by: Actor,
        buildings: frozenset[str] | None,
        *,
        notify: str | None = None,
    ) -> TicketObject:
        """One register change, the way ``transition`` makes a move: in the pipeline's turn
        (so it is committed with its history line and export, and announced on the hub),
        404 outside the caller's buildings, audited with the ticket before and after;
        notified as ``notify`` says (a reason; None: not notified)."""

        async def command(turn: Turn) -> TicketObject:
            loaded = await in_store(self._store, lambda conn: load_ticket(conn, ticket_id))
            if loaded is None or (buildings is not None and loaded[0].building_id not in buildings):
                raise TicketNotFound(f"ticket {ticket_id!r} not found")
            ticket, history = loaded
            updated, entry = change(ticket, turn.now, self._ids.new(turn.now))
            turn.ws.audit.append(
                audit_row(
                    entry_id=self._ids.new(turn.now),
                    at_ms=turn.now,
                    actor=by,
                    action=action,
                    target_kind="ticket",
                    target_id=ticket.id,
                    before=ticket,
                    after=updated,
                )
            )
            return self._desk.record(turn, updated, history, entry, new=False, notify=notify)

        return await self._pipeline.execute(command)

    async def escalate_overdue(self) -> int:
        """Raise every overdue ticket to its level (the periodic scan)."""

        async def command(turn: Turn) -> int:
            def overdue(conn: Connection) -> list[tuple[Ticket, list[TicketEntry]]]:
                tickets = TicketDesk.overdue(conn, now=turn.now, every_ms=self._every)
                found = histories(conn, [t.id for t in tickets])
                return [(t, found[t.id]) for t in tickets]

            return self._desk.escalate_overdue(turn, await in_store(self._store, overdue))

        return await self._pipeline.execute(command)


class RegistryCommands:
    """DeviceIndex writes from the API: stored, then applied to ingest at once."""

    def __init__(
        self,
        *,
        store: StoreWriter,
        registry: DeviceIndex,
        clock: Clock,
        ids: IdFactory,
        pending: PendingReleaser | None = None,
    ) -> None:
        self._store = store
        self._registry = registry
        self._clock = clock
        self._ids = ids
        self._pending = pending

    async def put_building(self, building_id: str, fields: BuildingFields, *, by: Actor) -> bool:
        now = self._clock.now_ms()
        entry_id = self._ids.new(now)

        def put(conn: Connection) -> bool:
            change = upsert_building(conn, building_id, fields, now)
            self._audit(conn, entry_id, now, by, "building", building_id, change)
            return change.created

        created = await in_store(self._store, put)
        self._registry.put_building(
            BuildingInfo(
                building_id=building_id,
                name=fields.name,
                community=fields.community,
                property_company=fields.property_company,
            )
        )
        return created

    async def put_device(self, device_id: str, fields: DeviceFields, *, by: Actor) -> bool:
        """Stores the device, applies it to ingest, and replays the vendor messages held
        for it (returning once they are durable)."""
        now = self._clock.now_ms()
        entry_id = self._ids.new(now)

        def put(conn: Connection) -> bool:
            change = upsert_device(conn, device_id, fields, now)
            self._audit(conn, entry_id, now, by, "device", device_id, change)
            return change.created

        created = await in_store(self._store, put)
        info = DeviceInfo(
            device_id=device_id,
            device_type=fields.device_type,
            building_id=fields.building_id,
            imei=fields.imei,
            dev_eui=fields.dev_eui,
            platform_id=fields.platform_id,
            vendor=fields.vendor,
            model=fields.model,
        )
        self._registry.put_device(info)
        if self._pending is not None:
            await self._pending.release([device_id, *info.identifiers])
        return created

    def _audit(
        self,
        conn: Connection,
        entry_id: str,
        now: int,
        by: Actor,
        kind: str,
        target: str,
        change: Upserted,
    ) -> None:
        record_upsert(
            conn,
            entry_id=entry_id,
            at_ms=now,
            actor=by,
            kind=kind,
            target_id=target,
            before=change.before,
            after=change.after,
        )
