"""An inspection as the API shows it (docs/inspections.md): the venue, who checked it when,
and each checklist item with its verdict, note, photo and the ticket a failed item opened."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from gateway.shapes.base import Shape, at


class InspectionItem(Shape):
    item: str = Field(description="the checklist item (labels: GET /api/v1/labels check_items)")
    ok: bool
    note: str | None
    photo_id: str | None = Field(description="GET /api/v1/photos/{id}")
    ticket_id: str | None = Field(description="the ticket this failed item opened")


class InspectionObject(Shape):
    id: str
    building_id: str
    community: str | None
    venue_type: str | None
    quarter: str = Field(description="YYYY-Qn, on the street's calendar")
    at: str
    inspector: str
    note: str | None
    failed: int = Field(description="items not ok; each opened a ticket")
    items: list[InspectionItem]

    @classmethod
    def of(cls, row: Any, items: Sequence[Any]) -> InspectionObject:
        """From an ``inspections`` row (or InspectionRow) and its ``inspection_items``."""
        return cls(
            id=row.id,
            building_id=row.building_id,
            community=row.community,
            venue_type=row.venue_type,
            quarter=row.quarter,
            at=at(row.at_ms),
            inspector=row.inspector,
            note=row.note,
            failed=row.failed,
            items=[
                InspectionItem(
                    item=i.item, ok=i.ok, note=i.note, photo_id=i.photo_id, ticket_id=i.ticket_id
                )
                for i in items
            ],
        )
