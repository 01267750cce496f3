"""``risk``: the building risk index (安全风险分级管控, docs/risk.md): what each factor weighs,
where its sub-score saturates, the level thresholds, the window and the early warning's scan."""

from __future__ import annotations

from typing import Final

from pydantic import Field, model_validator

from core.config.base import Section
from core.config.inspections import NINE_SMALL, VENUE_TYPES

# The factors, in the order they are shown (alerting/risk.py computes them).
FACTORS: Final = (
    "fires",
    "gas_critical",
    "smoke_false_rate",
    "ebike_detections",
    "ebike_hotspots",
    "offline_rate",
    "low_battery",
    "faults",
    "coverage_gaps",
    "tickets_open",
    "tickets_overdue",
    "hazards_major",
    "hazards_supervised",
    "failed_items",
    "public_reports",
)
DEVICE_TYPES: Final = ("smoke", "gas", "ebike")


class RiskWeights(Section):
    """What each factor weighs; the score is the weighted mean of the sub-scores (0 turns a
    factor off)."""

    fires: float = Field(default=25, ge=0, description="confirmed fires in the window")
    gas_critical: float = Field(default=15, ge=0, description="critical gas alarms")
    smoke_false_rate: float = Field(
        default=4, ge=0, description="share of smoke alarms judged false (误报率)"
    )
    ebike_detections: float = Field(default=8, ge=0, description="e-bikes seen in elevators")
    ebike_hotspots: float = Field(default=8, ge=0, description="e-bike hotspot alarms")
    offline_rate: float = Field(default=8, ge=0, description="share of devices offline now")
    low_battery: float = Field(default=3, ge=0, description="devices with a low battery now")
    faults: float = Field(default=5, ge=0, description="device fault and tamper alarms")
    coverage_gaps: float = Field(
        default=10, ge=0, description="device types the venue needs and has none online"
    )
    tickets_open: float = Field(default=4, ge=0, description="hazard tickets not closed")
    tickets_overdue: float = Field(default=8, ge=0, description="open tickets past due")
    hazards_major: float = Field(default=12, ge=0, description="open major hazards (重大隐患)")
    hazards_supervised: float = Field(
        default=6, ge=0, description="open hazards under supervision (挂牌督办)"
    )
    failed_items: float = Field(default=6, ge=0, description="failed inspection items")
    public_reports: float = Field(default=4, ge=0, description="public reports (举报)")

    @model_validator(mode="after")
    def _some_weight(self) -> RiskWeights:
        if not any(getattr(self, name) > 0 for name in FACTORS):
            raise ValueError("at least one factor needs a weight above 0")
        return self


class RiskSaturation(Section):
    """The value at which a factor's sub-score reaches 1 (sub-score = min(1, value / this))."""

    fires: float = Field(default=1, gt=0, description="one confirmed fire saturates")
    gas_critical: float = Field(default=2, gt=0)
    smoke_false_rate: float = Field(default=0.5, gt=0, description="a rate, 0..1")
    ebike_detections: float = Field(default=30, gt=0)
    ebike_hotspots: float = Field(default=3, gt=0)
    offline_rate: float = Field(default=0.5, gt=0, description="a rate, 0..1")
    low_battery: float = Field(default=5, gt=0)
    faults: float = Field(default=5, gt=0)
    coverage_gaps: float = Field(default=1, gt=0)
    tickets_open: float = Field(default=10, gt=0)
    tickets_overdue: float = Field(default=5, gt=0)
    hazards_major: float = Field(default=1, gt=0)
    hazards_supervised: float = Field(default=1, gt=0)
    failed_items: float = Field(default=10, gt=0)
    public_reports: float = Field(default=5, gt=0)


class RiskLevels(Section):
    """Scores at or above which a building is red, orange, yellow; below yellow it is blue."""

    red: float = Field(default=70, gt=0, le=100, description="重大风险 (red) from this score")
    orange: float = Field(default=45, gt=0, le=100, description="较大风险 (orange)")
    yellow: float = Field(default=20, gt=0, le=100, description="一般风险 (yellow); below: 低风险")

    @model_validator(mode="after")
    def _ordered(self) -> RiskLevels:
        if not self.yellow < self.orange < self.red:
            raise ValueError("thresholds must rise: yellow < orange < red")
        return self


def _default_required() -> dict[str, list[str]]:
    required = {venue: ["smoke"] for venue in (*NINE_SMALL, "self_built", "old_compound")}
    required["restaurant"] = ["smoke", "gas"]
    required["high_rise_residential"] = ["ebike"]
    return required


class RiskConfig(Section):
    window_days: int = Field(
        default=30, ge=1, le=366, description="the index counts what happened in these days"
    )
    trend_months: int = Field(
        default=6, ge=1, le=24, description="months of the trend on a building's risk page"
    )
    weights: RiskWeights = RiskWeights()
    saturation: RiskSaturation = RiskSaturation()
    levels: RiskLevels = RiskLevels()
    lift: bool = Field(
        default=True,
        description="a confirmed fire in the window, or an open major or supervised hazard, "
        "makes the level at least orange whatever the score",
    )
    required_devices: dict[str, list[str]] = Field(
        default_factory=_default_required,
        description="venue type -> device types it needs at least one of online (a coverage "
        "gap otherwise); default: smoke in the 九小场所, self_built and old_compound, smoke "
        "and gas in restaurants, an e-bike blocker in high_rise_residential",
    )
    low_battery_pct: float = Field(
        default=20, ge=0, le=100, description="a device below this battery level counts as low"
    )
    ebike_min_confidence: float = Field(
        default=0.8, ge=0, le=1, description="e-bike detections below this do not count"
    )
    scan_s: int = Field(
        default=3600,
        ge=60,
        description="the early warning recomputes every building this often and notifies a "
        "level that rose",
    )

    @model_validator(mode="after")
    def _known(self) -> RiskConfig:
        unknown = sorted(set(self.required_devices) - set(VENUE_TYPES))
        if unknown:
            raise ValueError(f"required_devices: unknown venue types {', '.join(unknown)}")
        for venue, types in self.required_devices.items():
            bad = sorted(set(types) - set(DEVICE_TYPES))
            if bad:
                raise ValueError(
                    f"required_devices.{venue}: unknown device types {', '.join(bad)}; "
                    f"known: {', '.join(DEVICE_TYPES)}"
                )
        return self
