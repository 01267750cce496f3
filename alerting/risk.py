"""The building risk index (安全风险分级管控; docs/risk.md, the plan's items 11 and 12): what a
building's record says, as a score from 0 to 100 and one of four levels, every factor shown.

Pure: the counts come in (``RiskInputs``, read by ``gateway/store/risk.py``), the index goes
out. Each factor has a value, a sub-score ``min(1, value / saturation)``, a weight; the score
is ``100 * sum(weight * sub) / sum(weight)``. A confirmed fire in the window, or an open major
or supervised hazard, lifts the level to at least orange (``risk.lift``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal
from zoneinfo import ZoneInfo

from core.config.risk import FACTORS, RiskConfig

Level = Literal["blue", "yellow", "orange", "red"]
LEVELS: Final[tuple[Level, ...]] = ("blue", "yellow", "orange", "red")
LEVEL_RANK: Final[dict[str, int]] = {level: i for i, level in enumerate(LEVELS)}
LEVEL_ZH: Final[dict[str, str]] = {
    "red": "红色（重大风险）",
    "orange": "橙色（较大风险）",
    "yellow": "黄色（一般风险）",
    "blue": "蓝色（低风险）",
}


@dataclass(frozen=True, kw_only=True)
class RiskInputs:
    """One building's record over a window (``start_ms`` to ``end_ms``) and at its end."""

    building_id: str
    venue_type: str | None = None
    # alarms opened in the window
    fires: int = 0  # fire and compound, verdict not false_alarm or test
    gas_critical: int = 0  # critical gas alarms, verdict not false_alarm or test
    smoke_alarms: int = 0  # smoke alarms, verdict not test
    smoke_false: int = 0  # of those, judged false_alarm
    ebike_hotspots: int = 0
    faults: int = 0  # device_fault and tamper
    # events and findings in the window
    ebike_detections: int = 0  # confident detections
    failed_items: int = 0  # inspection items answered not ok
    public_reports: int = 0  # not folded into an earlier report
    # devices, now (the register keeps no history of them)
    devices: int = 0
    devices_online: int = 0
    low_battery: int = 0
    online_types: frozenset[str] = frozenset()  # device types with a device online
    # hazard tickets open at the window's end
    tickets_open: int = 0
    tickets_overdue: int = 0
    hazards_major: int = 0
    hazards_supervised: int = 0


@dataclass(frozen=True, kw_only=True)
class Factor:
    name: str
    value: float
    sub_score: float  # 0..1
    weight: float
    points: float  # what it adds to the score, 0..100 in all
    detail: str | None = None  # e.g. the device types missing


@dataclass(frozen=True, kw_only=True)
class Risk:
    building_id: str
    score: float  # 0..100, one decimal
    level: Level
    factors: tuple[Factor, ...]
    lifted_by: str | None = None  # the factor that lifted the level above its score's

    def factor(self, name: str) -> Factor:
        return next(f for f in self.factors if f.name == name)


def level_of(score: float, config: RiskConfig) -> Level:
    t = config.levels
    if score >= t.red:
        return "red"
    if score >= t.orange:
        return "orange"
    if score >= t.yellow:
        return "yellow"
    return "blue"


def coverage_gaps(inputs: RiskInputs, config: RiskConfig) -> tuple[str, ...]:
    """The device types the venue's type needs (``risk.required_devices``) with none online."""
    needed = config.required_devices.get(inputs.venue_type or "", [])
    return tuple(t for t in needed if t not in inputs.online_types)


def _values(inputs: RiskInputs, gaps: Sequence[str]) -> dict[str, float]:
    i = inputs
    return {
        "fires": i.fires,
        "gas_critical": i.gas_critical,
        "smoke_false_rate": i.smoke_false / i.smoke_alarms if i.smoke_alarms else 0.0,
        "ebike_detections": i.ebike_detections,
        "ebike_hotspots": i.ebike_hotspots,
        # No devices at all is a coverage gap (where the type needs some), not an offline rate.
        "offline_rate": 1 - i.devices_online / i.devices if i.devices else 0.0,
        "low_battery": i.low_battery,
        "faults": i.faults,
        "coverage_gaps": len(gaps),
        "tickets_open": i.tickets_open,
        "tickets_overdue": i.tickets_overdue,
        "hazards_major": i.hazards_major,
        "hazards_supervised": i.hazards_supervised,
        "failed_items": i.failed_items,
        "public_reports": i.public_reports,
    }


def assess(inputs: RiskInputs, config: RiskConfig) -> Risk:
    """The index of one building."""
    gaps = coverage_gaps(inputs, config)
    values = _values(inputs, gaps)
    weights = {name: float(getattr(config.weights, name)) for name in FACTORS}
    total = sum(weights.values())
    factors = []
    weighted = 0.0
    for name in FACTORS:
        value = float(values[name])
        sub = min(1.0, max(0.0, value / getattr(config.saturation, name)))
        weighted += weights[name] * sub
        factors.append(
            Factor(
                name=name,
                value=round(value, 4),
                sub_score=round(sub, 4),
                weight=weights[name],
                points=round(100 * weights[name] * sub / total, 2),
                detail=",".join(gaps) if name == "coverage_gaps" and gaps else None,
            )
        )
    score = round(100 * weighted / total, 1)
    level = level_of(score, config)
    lifted_by = None
    if config.lift and LEVEL_RANK[level] < LEVEL_RANK["orange"]:
        for name in ("fires", "hazards_major", "hazards_supervised"):
            if values[name] > 0:
                level, lifted_by = "orange", name
                break
    return Risk(
        building_id=inputs.building_id,
        score=score,
        level=level,
        factors=tuple(factors),
        lifted_by=lifted_by,
    )


def ranked(risks: Iterable[Risk]) -> list[Risk]:
    """Riskiest first: by level, then score, then building id."""
    return sorted(risks, key=lambda r: (-LEVEL_RANK[r.level], -r.score, r.building_id))


def rose(previous: str | None, level: str) -> bool:
    """Whether ``level`` is above ``previous``; never on a first computation (no previous)."""
    return previous is not None and LEVEL_RANK[level] > LEVEL_RANK.get(previous, len(LEVELS))


@dataclass(frozen=True, kw_only=True)
class Month:
    label: str  # 2026-10
    start_ms: int
    end_ms: int  # the next month's start, or now for the month under way


def months(now_ms: int, tz: ZoneInfo, count: int) -> list[Month]:
    """The last ``count`` calendar months in the street's zone, oldest first, the current one
    (under way, up to ``now_ms``) last."""
    local = datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(tz)
    year, month = local.year, local.month
    out: list[Month] = []
    end = now_ms
    for _ in range(count):
        start = _month_start(year, month, tz)
        out.append(Month(label=f"{year:04d}-{month:02d}", start_ms=start, end_ms=end))
        end = start
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _month_start(year: int, month: int, tz: ZoneInfo) -> int:
    return int(datetime(year, month, 1, tzinfo=tz).timestamp() * 1000)
