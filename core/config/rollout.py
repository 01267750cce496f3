"""``rollout``: the device programmes of the street's plan and their deadlines (docs/rollout.md):
which venue types each covers, which device it asks for, and by when.

The defaults are the plan's (``/work/shared/seed/``):

- e-bike blockers in high-rise residential compounds, item 13: "2024至2025年在辖区高层建筑民用
  小区推广电梯阻车系统建设", so by the end of 2025;
- early fire alarms (smoke detectors) in small business sites, self-built houses used for
  business and old residential compounds, item 14 ("推进小型生产经营场所、经营性自建房、老旧
  住宅小区安装早期火灾报警和灭火装置"). The sentence names no date; item 14's own deadline
  ("力争在2025年底前…") and the 集中攻坚 stage ("2025年底前，基本完成…三年行动任务") give
  the end of 2025;
- gas detectors in restaurants: the plan names restaurants' gas safety (item 5) but no
  detectors and no date; the default is the end of the plan, 2026-12-31 (三、进度安排
  "2024年4月至2026年12月"; item 12 "2026年底前安全生产风险智能化管控能力显著增强").

Every programme starts with the plan (2024-04-01, "自2024年4月1日起"); the start only serves
the on-track measure (docs/rollout.md).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, field_validator, model_validator

from core.config.base import Section
from core.config.inspections import NINE_SMALL, VENUE_TYPES

PLAN_START = date(2024, 4, 1)
DeviceType = Literal["smoke", "gas", "ebike"]


class Programme(Section):
    """One programme: buildings of ``venue_types`` are to have a ``device_type`` device
    installed and online by ``deadline`` (its day still in time)."""

    enabled: bool = Field(default=True, description="counted in the API and the reports")
    title: str = Field(min_length=1, max_length=60, description="its name in reports")
    device_type: DeviceType = Field(description="the device each building needs")
    venue_types: list[str] = Field(min_length=1, description="the venue types it covers")
    start: date = Field(
        default=PLAN_START,
        description="when it began (on track: the online share at least the share of the "
        "time from start to deadline gone by)",
    )
    deadline: date = Field(description="its last day (the day itself is still in time)")
    basis: str = Field(max_length=300, description="where the plan asks for it, quoted")

    @field_validator("venue_types")
    @classmethod
    def _venue_types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(VENUE_TYPES))
        if unknown:
            raise ValueError(
                f"unknown venue types {', '.join(unknown)}; known: {', '.join(VENUE_TYPES)}"
            )
        if len(set(value)) != len(value):
            raise ValueError("list each venue type once")
        return value

    @model_validator(mode="after")
    def _dates(self) -> Programme:
        if self.deadline < self.start:
            raise ValueError(f"deadline {self.deadline} is before start {self.start}")
        return self


class EbikeBlockers(Programme):
    title: str = Field(
        default="高层住宅电梯阻车系统", min_length=1, max_length=60, description="its name"
    )
    device_type: DeviceType = Field(default="ebike", description="the device each needs")
    venue_types: list[str] = Field(
        default_factory=lambda: ["high_rise_residential"],
        min_length=1,
        description="the venue types it covers (item 13: 高层建筑民用小区)",
    )
    deadline: date = Field(
        default=date(2025, 12, 31), description="its last day (item 13: 2024至2025年)"
    )
    basis: str = Field(
        default="方案第13项：2024至2025年在辖区高层建筑民用小区推广电梯阻车系统建设",
        max_length=300,
        description="where the plan asks for it",
    )


class SmokeDetectors(Programme):
    title: str = Field(
        default="九小场所、自建房、老旧小区早期火灾报警",
        min_length=1,
        max_length=60,
        description="its name",
    )
    device_type: DeviceType = Field(default="smoke", description="the device each needs")
    venue_types: list[str] = Field(
        default_factory=lambda: [*NINE_SMALL, "self_built", "old_compound"],
        min_length=1,
        description="the venue types it covers (item 14: 小型生产经营场所 as the 九小场所, "
        "经营性自建房, 老旧住宅小区)",
    )
    deadline: date = Field(
        default=date(2025, 12, 31),
        description="its last day (item 14 names none for the alarms: its own 2025年底前 and "
        "the 集中攻坚 stage's)",
    )
    basis: str = Field(
        default="方案第14项：推进小型生产经营场所、经营性自建房、老旧住宅小区安装早期火灾报警"
        "和灭火装置（期限按第14项及集中攻坚阶段：2025年底前）",
        max_length=300,
        description="where the plan asks for it",
    )


class GasDetectors(Programme):
    title: str = Field(
        default="餐饮场所可燃气体报警", min_length=1, max_length=60, description="its name"
    )
    device_type: DeviceType = Field(default="gas", description="the device each needs")
    venue_types: list[str] = Field(
        default_factory=lambda: ["restaurant"],
        min_length=1,
        description="the venue types it covers (小餐饮场所)",
    )
    deadline: date = Field(
        default=date(2026, 12, 31),
        description="its last day (the plan gives none: its end, 2026年12月)",
    )
    basis: str = Field(
        default="方案第5项餐饮企业燃气安全；方案未定期限，按三年行动结束（2026年底）",
        max_length=300,
        description="where the plan asks for it",
    )


class RolloutConfig(Section):
    ebike_blockers: EbikeBlockers = EbikeBlockers()
    smoke_detectors: SmokeDetectors = SmokeDetectors()
    gas_detectors: GasDetectors = GasDetectors()

    def programmes(self) -> dict[str, Programme]:
        """The enabled programmes by key, in this order."""
        every: dict[str, Programme] = {
            "ebike_blockers": self.ebike_blockers,
            "smoke_detectors": self.smoke_detectors,
            "gas_detectors": self.gas_detectors,
        }
        return {key: p for key, p in every.items() if p.enabled}
