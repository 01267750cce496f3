"""九小场所 inspection cycles (docs/inspections.md), as pure values: the quarter, which venues
fall due in it, and an inspection's answers checked against the venue's checklist.

The plan (item 7) asks for one full cycle of checks every quarter; a venue is *done* once it
has an inspection dated in the quarter, *due* until the quarter ends, *overdue* after.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Self
from zoneinfo import ZoneInfo

_QUARTER: Final = re.compile(r"^(\d{4})-Q([1-4])$")


class InspectionInvalid(ValueError):
    """An inspection that does not answer its venue's checklist; the message says how."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Quarter:
    year: int
    number: int  # 1-4

    @classmethod
    def parse(cls, text: str) -> Self:
        """``2026-Q4``; ValueError naming the expected form otherwise."""
        found = _QUARTER.match(text)
        if found is None or not 1970 <= int(found[1]) <= 9998:
            raise ValueError(f"{text!r} is not a quarter like 2026-Q4")
        return cls(year=int(found[1]), number=int(found[2]))

    @classmethod
    def of(cls, ms: int, tz: ZoneInfo) -> Self:
        """The quarter ``ms`` falls in, on the street's calendar."""
        day = datetime.fromtimestamp(ms / 1000, tz)
        return cls(year=day.year, number=(day.month - 1) // 3 + 1)

    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(year=self.year + 1, number=1)
        return Quarter(year=self.year, number=self.number + 1)

    def bounds_ms(self, tz: ZoneInfo) -> tuple[int, int]:
        """[start, end) in epoch milliseconds: local midnight of each quarter's first day."""

        def midnight(day: date) -> int:
            return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp() * 1000)

        return midnight(self.first_day()), midnight(self.next().first_day())

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Venue:
    building_id: str
    name: str | None
    community: str | None
    venue_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanEntry:
    venue: Venue
    state: str  # done | due | overdue
    inspection_id: str | None  # the quarter's latest inspection, when done
    failed: int | None  # its failed items


@dataclass(frozen=True, slots=True, kw_only=True)
class Done:
    """A venue's latest inspection in the quarter."""

    inspection_id: str
    failed: int


def plan(
    venues: Iterable[Venue],
    done: Mapping[str, Done],
    *,
    quarter_end_ms: int,
    now_ms: int,
) -> list[PlanEntry]:
    """Each venue of the quarter's plan with its state, not done first, then by community."""
    entries = []
    for venue in venues:
        found = done.get(venue.building_id)
        state = "done" if found else "overdue" if now_ms >= quarter_end_ms else "due"
        entries.append(
            PlanEntry(
                venue=venue,
                state=state,
                inspection_id=found.inspection_id if found else None,
                failed=found.failed if found else None,
            )
        )
    order = {"overdue": 0, "due": 1, "done": 2}
    entries.sort(key=lambda e: (order[e.state], e.venue.community or "", e.venue.building_id))
    return entries


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    community: str | None
    venues: int
    done: int

    @property
    def rate(self) -> float | None:
        return self.done / self.venues if self.venues else None


def coverage(entries: Iterable[PlanEntry]) -> list[Coverage]:
    """Per community: venues due in the quarter and how many were inspected."""
    counts: dict[str | None, list[int]] = {}
    for entry in entries:
        tally = counts.setdefault(entry.venue.community, [0, 0])
        tally[0] += 1
        tally[1] += entry.state == "done"
    return [
        Coverage(community=community, venues=venues, done=done)
        for community, (venues, done) in sorted(counts.items(), key=lambda kv: kv[0] or "")
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    item: str
    ok: bool
    note: str | None = None
    photo_id: str | None = None


def check_answers(answers: Sequence[Answer], checklist: Sequence[str]) -> list[Answer]:
    """The answers in checklist order: every item answered exactly once, nothing else, and a
    failed item says what was wrong (its ticket's title and the rectifier need it)."""
    given = [a.item for a in answers]
    repeated = sorted({item for item in given if given.count(item) > 1})
    if repeated:
        raise InspectionInvalid(f"items: answered more than once: {', '.join(repeated)}")
    unknown = [item for item in given if item not in checklist]
    if unknown:
        raise InspectionInvalid(
            f"items: not on this venue's checklist: {', '.join(unknown)}"
            f" (its checklist: {', '.join(checklist)})"
        )
    missing = [item for item in checklist if item not in given]
    if missing:
        raise InspectionInvalid(f"items: not answered: {', '.join(missing)}")
    silent = [a.item for a in answers if not a.ok and not (a.note or "").strip()]
    if silent:
        raise InspectionInvalid(
            f"items: a failed item needs a note saying what is wrong: {', '.join(silent)}"
        )
    by_item = {a.item: a for a in answers}
    return [by_item[item] for item in checklist]
