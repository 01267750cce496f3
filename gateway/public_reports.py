"""Public hazard reports taken (docs/public-reports.md): one pipeline turn writes the report
and the ticket it opens (``source: public``), so a tracking code never exists without its
ticket. A report of the same building and category while an earlier one's ticket is still
open folds into it: it gets its own tracking code, showing that ticket's progress, and no
ticket of its own (the desk is not flooded by one blocked exit reported twenty times)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.labels import PUBLIC_CATEGORY, zh
from alerting.public_reports import TICKET_OF, ReportInvalid, tracking_code
from core.config.public import PublicConfig
from core.ids import IdFactory
from gateway.commands import in_store
from gateway.pipeline import Pipeline
from gateway.store import schema
from gateway.store.inspections import building_row, photos_of
from gateway.store.rows import PublicReportRow
from gateway.store.writer import StoreWriter
from gateway.tickets import TicketDesk
from gateway.turn import Turn

REPORTER = "群众举报"  # who a public report's ticket was created by


class BuildingUnknown(LookupError):
    status = 404


@dataclass(frozen=True, kw_only=True)
class Received:
    tracking_code: str
    folded: bool  # into an earlier report's ticket


@dataclass(frozen=True, kw_only=True)
class _Place:
    name: str | None
    photo_building: str | None
    earlier: str | None  # the report to fold into, if any


class PublicReportCommands:
    def __init__(
        self,
        *,
        pipeline: Pipeline,
        store: StoreWriter,
        desk: TicketDesk,
        ids: IdFactory,
        config: PublicConfig,
    ) -> None:
        self._pipeline = pipeline
        self._store = store
        self._desk = desk
        self._ids = ids
        self._config = config

    @property
    def config(self) -> PublicConfig:
        return self._config

    async def submit(
        self,
        *,
        building_id: str,
        category: str,
        text: str,
        contact: str | None,
        photo_id: str | None,
        address_digest: str,
    ) -> Received:
        async def command(turn: Turn) -> Received:
            since = turn.now - self._config.fold_window_s * 1000

            def look(conn: Connection) -> _Place | None:
                row = building_row(conn, building_id)
                if row is None:
                    return None
                photo = photos_of(conn, [photo_id]).get(photo_id) if photo_id else None
                return _Place(
                    name=row.name,
                    photo_building=photo.building_id if photo is not None else None,
                    earlier=_open_report(conn, building_id, category, since),
                )

            place = await in_store(self._store, look)
            if place is None:
                raise BuildingUnknown(f"building {building_id!r} not found")
            if photo_id is not None and place.photo_building != building_id:
                raise ReportInvalid("photo: not a photo uploaded for this building")
            code = tracking_code()
            ticket_id = None
            if place.earlier is None:
                ticket_category, severity = TICKET_OF[category]
                what = zh(PUBLIC_CATEGORY, category)
                ticket, _ = self._desk.open_by_hand(
                    turn,
                    title=f"群众举报：{what}（{place.name or building_id}）",
                    category=ticket_category,
                    building_id=building_id,
                    severity=severity,
                    responsible=None,
                    due_ms=None,
                    venue_type=None,
                    note=f"举报 {code}：{text}",
                    by=REPORTER,
                    source="public",
                )
                ticket_id = ticket.id
            turn.ws.public_reports.append(
                PublicReportRow(
                    id=self._ids.new(turn.now),
                    tracking_code=code,
                    building_id=building_id,
                    category=category,
                    text=text,
                    photo_id=photo_id,
                    contact=contact,
                    address_digest=address_digest,
                    ticket_id=ticket_id,
                    folded_into=place.earlier,
                    created_ms=turn.now,
                )
            )
            return Received(tracking_code=code, folded=place.earlier is not None)

        result: Received = await self._pipeline.execute(command)
        return result


def _open_report(conn: Connection, building_id: str, category: str, since: int) -> str | None:
    """The latest report of this building and category with a ticket still open, younger
    than ``since``."""
    r, t = schema.public_reports, schema.tickets
    found: Any = conn.execute(
        sa.select(r.c.id)
        .join(t, t.c.id == r.c.ticket_id)
        .where(
            r.c.building_id == building_id,
            r.c.category == category,
            r.c.folded_into.is_(None),
            r.c.created_ms >= since,
            t.c.status != "closed",
        )
        .order_by(r.c.created_ms.desc())
        .limit(1)
    ).scalar_one_or_none()
    return found if isinstance(found, str) else None
