"""``inspections``: which venues fall due each quarter, what is checked at each, and the limits
of the photos an inspector takes (docs/inspections.md)."""

from __future__ import annotations

from typing import Final

from pydantic import Field, field_validator, model_validator

from core.config.base import Section

# The 九小场所, as the plan lists them: each is due once per quarter (contract section 6).
NINE_SMALL: Final = (
    "school",
    "clinic",
    "shop",
    "restaurant",
    "hotel",
    "entertainment",
    "internet_cafe",
    "bathhouse",
    "workshop",
)
VENUE_TYPES: Final = (
    *NINE_SMALL,
    "residential",
    "high_rise_residential",
    "self_built",
    "old_compound",
    "other",
)
# What an inspection checks, from the plan's focus (item 7 and 专项整治): fire exits and
# fire-engine access, extinguishers, wiring and e-bike charging, gas, escape routes, smoke
# detectors. Labels: alerting/labels.py CHECK.
CHECK_ITEMS: Final = (
    "fire_exits",
    "fire_access",
    "extinguishers",
    "wiring",
    "ebike_charging",
    "gas_hoses",
    "gas_detector",
    "escape_routes",
    "smoke_detectors",
)
_BASE: Final = [i for i in CHECK_ITEMS if not i.startswith("gas_")]
# Venues that cook or heat with gas also have their hoses, valves and detectors checked.
_WITH_GAS: Final = [*_BASE[:5], "gas_hoses", "gas_detector", *_BASE[5:]]


def _known(kind: str, values: list[str], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {kind} {', '.join(unknown)}; known: {', '.join(allowed)}")


class InspectionsConfig(Section):
    venue_types: list[str] = Field(
        default_factory=lambda: list(NINE_SMALL),
        description="venue types due for one inspection per quarter (default: the 九小场所)",
    )
    checklist: list[str] = Field(
        default_factory=lambda: list(_BASE),
        min_length=1,
        description="items checked at a venue whose type has no list of its own, in order: "
        + ", ".join(CHECK_ITEMS),
    )
    checklists: dict[str, list[str]] = Field(
        default_factory=lambda: {"restaurant": list(_WITH_GAS)},
        description="venue type -> its items, in order (default: restaurants add gas_hoses "
        "and gas_detector)",
    )
    photo_max_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=16 * 1024,
        le=16 * 1024 * 1024,
        description="largest photo accepted (JPEG, PNG or WebP; the console scales photos "
        "down before sending them)",
    )
    photos_per_hour: int = Field(
        default=120, ge=1, description="photos one token may upload per hour"
    )

    @field_validator("venue_types")
    @classmethod
    def _venue_types(cls, value: list[str]) -> list[str]:
        _known("venue types", value, VENUE_TYPES)
        return value

    @field_validator("checklist")
    @classmethod
    def _checklist(cls, value: list[str]) -> list[str]:
        _known("items", value, CHECK_ITEMS)
        if len(set(value)) != len(value):
            raise ValueError("each item is listed once")
        return value

    @model_validator(mode="after")
    def _checklists(self) -> InspectionsConfig:
        _known("venue types", list(self.checklists), VENUE_TYPES)
        for venue_type, items in self.checklists.items():
            if not items or len(set(items)) != len(items):
                raise ValueError(f"checklists.{venue_type}: list each item once, at least one")
            _known("items", items, CHECK_ITEMS)
        return self

    def items_for(self, venue_type: str | None) -> tuple[str, ...]:
        """The checklist of a venue of ``venue_type``."""
        return tuple(self.checklists.get(venue_type or "", self.checklist))
