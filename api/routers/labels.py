"""``GET /api/v1/labels``: what each alarm kind, severity, ticket category, status, venue type and
inspection item is called,
in Chinese and English, from the one table the notifications and reports use. No token needed:
the console reads it before anyone signs in, and it says nothing about the street."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from alerting import labels

router = APIRouter(prefix="/api/v1/labels", tags=["labels"])


class LabelOut(BaseModel):
    zh: str
    en: str


class LabelsOut(BaseModel):
    alarm_kinds: dict[str, LabelOut]
    severities: dict[str, LabelOut]
    ticket_categories: dict[str, LabelOut]
    ticket_statuses: dict[str, LabelOut]
    venue_types: dict[str, LabelOut]
    check_items: dict[str, LabelOut]
    plan_states: dict[str, LabelOut]


def _table(table: dict[str, labels.Label]) -> dict[str, LabelOut]:
    return {key: LabelOut(zh=label.zh, en=label.en) for key, label in table.items()}


@router.get("", response_model=LabelsOut)
def get_labels(response: Response) -> LabelsOut:
    response.headers["Cache-Control"] = "public, max-age=3600"
    return LabelsOut(
        alarm_kinds=_table(labels.KIND),
        severities=_table(labels.SEVERITY),
        ticket_categories=_table(labels.CATEGORY),
        ticket_statuses=_table(labels.STATUS),
        venue_types=_table(labels.VENUE),
        check_items=_table(labels.CHECK),
        plan_states=_table(labels.PLAN),
    )
