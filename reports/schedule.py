"""When scheduled reports fall due: pure, on an injected "now".

A month's report is due from ``deliver_at`` local time on the first day of the next month
(a quarter's on the first day of the next quarter, a year's on 1 January), and stays due
for ``catch_up_days``: a gateway that was down at the time makes it when it comes back,
and a fresh installation does not make reports for months it never saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reports.period import Kind, Period


@dataclass(frozen=True, kw_only=True)
class Schedule:
    timezone: str
    at_hour: int = 8
    at_minute: int = 0
    quarterly: bool = True
    yearly: bool = True
    catch_up_days: int = 7

    @classmethod
    def parse_at(cls, at: str, **kw: object) -> Schedule:
        hour, minute = (int(x) for x in at.split(":"))
        return cls(at_hour=hour, at_minute=minute, **kw)  # type: ignore[arg-type]

    def due(self, now_ms: int) -> list[Period]:
        """The periods whose report is due at ``now_ms`` (made or not: the caller knows)."""
        kinds: list[Kind] = ["month"]
        if self.quarterly:
            kinds.append("quarter")
        if self.yearly:
            kinds.append("year")
        out = []
        for kind in kinds:
            current = Period.containing(now_ms, kind, timezone=self.timezone)
            starts = datetime.fromtimestamp(current.start_ms / 1000, ZoneInfo(self.timezone))
            due_at = starts.replace(hour=self.at_hour, minute=self.at_minute)
            since = now_ms - int(due_at.timestamp() * 1000)
            if 0 <= since < timedelta(days=self.catch_up_days).total_seconds() * 1000:
                out.append(current.shifted(-1))
        return out
