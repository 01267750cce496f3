"""Request bodies of the HTTP API, and the answers only the API gives (pages, health,
tokens). The objects it shares with the stream, the export and the webhook (alarm, ticket,
device, building) are defined once, in ``gateway/shapes/``."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from core.text import Note, line
from gateway.store.registry_rows import ID_PATTERN

T = TypeVar("T")
BuildingId = Annotated[str, Field(pattern=ID_PATTERN)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int


class Health(BaseModel):
    status: str
    problems: list[str]
    # ha.enabled only: "active", or "standby" (503, from api/standby.py)
    role: str | None = None
    instance: str | None = None


class AckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["real", "false_alarm", "test"]
    note: Note | None = None


class ClearRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Note | None = None


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, *line(128), Field(min_length=1, description="who or what holds it")]
    role: Literal["admin", "duty", "manager", "inspector"]
    buildings: list[BuildingId] | None = Field(
        default=None,
        max_length=10_000,
        description="managers only: the buildings in scope (empty: none)",
    )
    communities: list[Annotated[str, *line(200), Field(min_length=1)]] | None = Field(
        default=None,
        max_length=1000,
        description="inspectors only: the communities in scope (their buildings, as "
        "registered at each request; empty: none)",
    )
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="the token stops working after this; none: never"
    )


class TokenOut(BaseModel):
    id: str
    name: str
    role: str
    buildings: list[str] | None
    communities: list[str] | None = None
    created_at: str
    revoked_at: str | None = None
    expires_at: str | None = None
    last_used_at: str | None = Field(
        default=None, description="to within a minute (written in batches)"
    )


class NewToken(TokenOut):
    token: str = Field(description="shown once; only its digest is stored")


# The national criterion a major hazard was judged by (隐患台账, docs/tickets.md).
Criterion = Annotated[
    str,
    *line(500),
    Field(
        min_length=1,
        description="the criterion cited, e.g. 《重大火灾隐患判定方法》GB 35181 and its clause; "
        "required for a major hazard",
    ),
]


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, *line(300), Field(min_length=1)]
    category: Literal["fire", "gas", "ebike", "device", "inspection"]
    building_id: BuildingId
    severity: Literal["info", "warning", "critical"] = "warning"
    responsible: Annotated[str, *line(200)] | None = None
    due_at: str | None = Field(
        default=None, max_length=64, description="RFC 3339; default: by category"
    )
    venue_type: str | None = Field(
        default=None, max_length=32, description="九小场所 and others, see docs"
    )
    note: Note | None = None
    hazard_class: Literal["major", "general"] = Field(
        default="general", description="major: 重大事故隐患, judged by the national criteria"
    )
    hazard_criterion: Criterion | None = None


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Literal["open", "assigned", "rectifying", "review", "closed"]
    note: Note | None = None
    responsible: (
        Annotated[
            str,
            *line(200),
            Field(description="with to=assigned, by an admin or duty token: who is to rectify"),
        ]
        | None
    ) = None


class ClassifyIn(BaseModel):
    """隐患分级: a ticket's hazard class, while it is open or in review."""

    model_config = ConfigDict(extra="forbid")
    hazard_class: Literal["major", "general"]
    criterion: Criterion | None = None
    note: Note | None = None


class SuperviseIn(BaseModel):
    """挂牌督办: the office supervises a major hazard's rectification, by a deadline."""

    model_config = ConfigDict(extra="forbid")
    due_at: str = Field(
        max_length=64,
        description="RFC 3339: the office's deadline, in the future; the "
        "ticket's due time (and escalation) follows it",
    )
    note: Note | None = None


class ReferIn(BaseModel):
    """移送: the ticket referred to the competent department (``tickets.departments``)."""

    model_config = ConfigDict(extra="forbid")
    department: Annotated[str, *line(100), Field(min_length=1)]
    note: Note | None = None
    reply: Note | None = Field(
        default=None,
        description="the department's answer, for a ticket already referred to it",
    )
