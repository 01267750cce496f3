"""Inspections recorded by people (docs/inspections.md): one pipeline turn writes the
inspection, its answers, a ticket for every failed item and the audit entry together, so an
inspection never exists without its tickets nor a ticket without its inspection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from alerting.inspections import Answer, InspectionInvalid, Quarter, check_answers
from alerting.labels import CHECK, zh
from core.config.inspections import InspectionsConfig
from core.ids import IdFactory
from gateway.audit import Actor, audit_row
from gateway.commands import StoreUnavailable, in_store
from gateway.pipeline import Pipeline
from gateway.shapes import InspectionObject
from gateway.store.inspections import building_row, photos_of
from gateway.store.rows import InspectionItemRow, InspectionRow
from gateway.store.writer import StoreWriter
from gateway.tickets import TicketDesk
from gateway.turn import Turn

__all__ = ["InspectionCommands", "InspectionInvalid", "InspectionNotFound", "StoreUnavailable"]


class InspectionNotFound(LookupError):
    status = 404


@dataclass(frozen=True, kw_only=True)
class _Venue:
    name: str | None
    community: str | None
    venue_type: str | None
    photos: dict[str, str]  # photo id -> its building, for the photos the answers cite


class InspectionCommands:
    def __init__(
        self,
        *,
        pipeline: Pipeline,
        store: StoreWriter,
        desk: TicketDesk,
        ids: IdFactory,
        config: InspectionsConfig,
        tz: ZoneInfo,
    ) -> None:
        self._pipeline = pipeline
        self._store = store
        self._desk = desk
        self._ids = ids
        self._config = config
        self._tz = tz

    @property
    def config(self) -> InspectionsConfig:
        return self._config

    async def record(
        self,
        *,
        building_id: str,
        answers: Sequence[Answer],
        note: str | None,
        by: Actor,
        buildings: frozenset[str] | None,
    ) -> InspectionObject:
        """Record one visit; 404 for a building outside ``buildings`` (the caller's scope),
        InspectionInvalid (422) for answers that do not fit the venue's checklist."""
        cited = {a.photo_id for a in answers if a.photo_id is not None}

        def venue(conn: Any) -> _Venue | None:
            row = building_row(conn, building_id)
            if row is None:
                return None
            found = photos_of(conn, cited)
            return _Venue(
                name=row.name,
                community=row.community,
                venue_type=row.venue_type,
                photos={pid: p.building_id for pid, p in found.items()},
            )

        async def command(turn: Turn) -> InspectionObject:
            if buildings is not None and building_id not in buildings:
                raise InspectionNotFound(f"building {building_id!r} not found")
            place = await in_store(self._store, venue)
            if place is None:
                raise InspectionNotFound(f"building {building_id!r} not found")
            strangers = sorted(p for p in cited if place.photos.get(p) != building_id)
            if strangers:
                raise InspectionInvalid(
                    f"photo: {', '.join(strangers)} is not a photo of this building"
                )
            ordered = check_answers(answers, self._config.items_for(place.venue_type))
            return self._write(turn, building_id, place, ordered, note, by)

        result: InspectionObject = await self._pipeline.execute(command)
        return result

    def _write(
        self,
        turn: Turn,
        building_id: str,
        place: _Venue,
        answers: list[Answer],
        note: str | None,
        by: Actor,
    ) -> InspectionObject:
        inspection_id = self._ids.new(turn.now)
        items = []
        for position, answer in enumerate(answers):
            ticket_id = None
            if not answer.ok:
                ticket, _ = self._desk.open_by_hand(
                    turn,
                    title=f"{place.name or building_id}：{zh(CHECK, answer.item)}不合格",
                    category="inspection",
                    building_id=building_id,
                    severity="warning",
                    responsible=None,
                    due_ms=None,
                    venue_type=place.venue_type,
                    note=f"巡查 {inspection_id}：{answer.note}",
                    by=by.name,
                    source="inspection",
                    inspection_id=inspection_id,
                )
                ticket_id = ticket.id
            items.append(
                InspectionItemRow(
                    inspection_id=inspection_id,
                    item=answer.item,
                    position=position,
                    ok=answer.ok,
                    note=answer.note,
                    photo_id=answer.photo_id,
                    ticket_id=ticket_id,
                )
            )
        row = InspectionRow(
            id=inspection_id,
            building_id=building_id,
            community=place.community,
            venue_type=place.venue_type,
            quarter=str(Quarter.of(turn.now, self._tz)),
            at_ms=turn.now,
            inspector=by.name,
            note=note,
            failed=sum(not a.ok for a in answers),
        )
        turn.ws.inspections.append(row)
        turn.ws.inspection_items.extend(items)
        shown = InspectionObject.of(row, items)
        turn.ws.audit.append(
            audit_row(
                entry_id=self._ids.new(turn.now),
                at_ms=turn.now,
                actor=by,
                action="inspection.create",
                target_kind="inspection",
                target_id=inspection_id,
                after=shown.model_dump(mode="json"),
            )
        )
        return shown
