"""Report periods: a month, a quarter or a year of local time, as UTC milliseconds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

Kind = Literal["month", "quarter", "year"]
_MONTHS = {"month": 1, "quarter": 3, "year": 12}
YEARS = range(2000, 2101)  # what a report may be asked for


class PeriodError(ValueError):
    """A period that cannot be read, with what was expected."""


@dataclass(frozen=True, kw_only=True)
class Period:
    kind: Kind
    year: int
    first_month: int  # 1-12
    timezone: str

    @classmethod
    def parse(cls, text: str, *, timezone: str) -> Period:
        """``2026-10`` (a month), ``2026-Q3`` (a quarter) or ``2026`` (a year)."""
        text = text.strip()
        if (m := re.fullmatch(r"([0-9]{4})(-.*)?", text)) and int(m[1]) not in YEARS:
            raise PeriodError(
                f"{text!r}: the year must be {YEARS.start} to {YEARS.stop - 1} "
                "(reports compare with the years before, and need a calendar)"
            )
        if m := re.fullmatch(r"([0-9]{4})-([0-9]{2})", text):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise PeriodError(f"month {text!r}: the month must be 01-12")
            return cls(kind="month", year=year, first_month=month, timezone=timezone)
        if m := re.fullmatch(r"([0-9]{4})-[Qq]([1-4])", text):
            return cls(
                kind="quarter", year=int(m[1]), first_month=3 * int(m[2]) - 2, timezone=timezone
            )
        if m := re.fullmatch(r"([0-9]{4})", text):
            return cls(kind="year", year=int(m[1]), first_month=1, timezone=timezone)
        raise PeriodError(f"{text!r} is not YYYY-MM, YYYY-Qn or YYYY")

    @classmethod
    def containing(cls, ms: int, kind: Kind, *, timezone: str) -> Period:
        local = datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone))
        first = 1 + (local.month - 1) // _MONTHS[kind] * _MONTHS[kind]
        return cls(kind=kind, year=local.year, first_month=first, timezone=timezone)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.first_month:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{(self.first_month + 2) // 3}"
        return str(self.year)

    @property
    def label_zh(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.first_month}月"
        if self.kind == "quarter":
            return f"{self.year}年第{(self.first_month + 2) // 3}季度"
        return f"{self.year}年"

    def _local_start(self, months_later: int = 0) -> datetime:
        index = self.year * 12 + self.first_month - 1 + months_later
        return datetime(index // 12, index % 12 + 1, 1, tzinfo=ZoneInfo(self.timezone))

    @property
    def start_ms(self) -> int:
        return int(self._local_start().timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        return int(self._local_start(_MONTHS[self.kind]).timestamp() * 1000)

    def shifted(self, periods: int) -> Period:
        """The period ``periods`` later (earlier when negative), of the same kind."""
        start = self._local_start(periods * _MONTHS[self.kind])
        return Period(
            kind=self.kind, year=start.year, first_month=start.month, timezone=self.timezone
        )

    def history(self, n: int) -> list[Period]:
        """The ``n`` periods before this one, oldest first."""
        return [self.shifted(-k) for k in range(n, 0, -1)]
