"""Rollout coverage of the plan's device programmes (docs/rollout.md), as pure values: from the
buildings a programme covers and the devices of its type in each, the counts per community
and venue type, the buildings still missing, and progress against the deadline.

A building counts as

- *installed* when at least one device of the programme's type is registered in it;
- *online* when at least one of them is online (``all_online`` when every one is: the
  stricter figure).

Progress is taken on a local day (``today``): ``days_left`` is the deadline's day minus
today (0 on the deadline itself, negative once past). ``expected_rate`` is the share of the
programme's days, from its start to its deadline inclusive, gone by before today. A unit is

- ``done`` when every building of it is online;
- ``late`` when not done and the deadline has passed;
- ``on_track`` when its online rate is at least ``expected_rate``, ``behind`` otherwise;
- ``None`` when it has no building to count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from core.config.rollout import Programme

NOT_INSTALLED: Final = "not_installed"
OFFLINE: Final = "offline"


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """A registered building and what kind of place it is."""

    building_id: str
    name: str | None
    community: str | None
    venue_type: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Fitted:
    """The devices of one type in one building."""

    devices: int
    online: int  # of them, online
    last_seen_ms: int | None  # the latest heard from any of them


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    start: date
    deadline: date
    today: date

    @property
    def days_left(self) -> int:
        return (self.deadline - self.today).days

    @property
    def past_deadline(self) -> bool:
        return self.today > self.deadline

    @property
    def expected_rate(self) -> float:
        total = (self.deadline - self.start).days + 1
        gone = (self.today - self.start).days
        return min(1.0, max(0.0, gone / total))


@dataclass(frozen=True, slots=True, kw_only=True)
class Counts:
    buildings: int = 0
    installed: int = 0  # with at least one device of the type
    online: int = 0  # with at least one of them online
    all_online: int = 0  # with every one of them online
    devices: int = 0
    devices_online: int = 0

    def add(self, fitted: Fitted | None) -> Counts:
        """These counts with one more building, fitted so."""
        devices = fitted.devices if fitted else 0
        online = fitted.online if fitted else 0
        return Counts(
            buildings=self.buildings + 1,
            installed=self.installed + (devices > 0),
            online=self.online + (online > 0),
            all_online=self.all_online + (devices > 0 and online == devices),
            devices=self.devices + devices,
            devices_online=self.devices_online + online,
        )

    def _rate(self, part: int) -> float | None:
        return part / self.buildings if self.buildings else None

    @property
    def installed_rate(self) -> float | None:
        return self._rate(self.installed)

    @property
    def online_rate(self) -> float | None:
        return self._rate(self.online)

    @property
    def all_online_rate(self) -> float | None:
        return self._rate(self.all_online)

    def figures(self, *, digits: int | None = None) -> dict[str, int | float | None]:
        """The counts and their rates by name, as the API and the reports show them (rates
        rounded to ``digits`` when given)."""

        def rate(value: float | None) -> float | None:
            return value if value is None or digits is None else round(value, digits)

        return {
            "buildings": self.buildings,
            "installed": self.installed,
            "online": self.online,
            "all_online": self.all_online,
            "devices": self.devices,
            "devices_online": self.devices_online,
            "installed_rate": rate(self.installed_rate),
            "online_rate": rate(self.online_rate),
            "all_online_rate": rate(self.all_online_rate),
        }


def status(counts: Counts, progress: Progress) -> str | None:
    """``done``, ``late``, ``on_track``, ``behind``; None without buildings (module doc)."""
    rate = counts.online_rate
    if rate is None:
        return None
    if counts.online == counts.buildings:
        return "done"
    if progress.past_deadline:
        return "late"
    return "on_track" if rate >= progress.expected_rate else "behind"


@dataclass(frozen=True, slots=True, kw_only=True)
class Unit:
    """The counts of a community (``venue_type`` None) or of one venue type in it."""

    community: str | None
    venue_type: str | None
    counts: Counts
    status: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """A building the programme covers that is not installed, or installed but offline."""

    site: Site
    state: str  # not_installed | offline
    devices: int
    last_seen_ms: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rollout:
    key: str
    programme: Programme
    progress: Progress
    total: Counts
    status: str | None
    communities: list[Unit]  # one per community, in order (no community last)
    rows: list[Unit]  # per community and venue type (the programme's order)
    gaps: list[Gap]  # by community, then building id


def _community_order(community: str | None) -> tuple[bool, str]:
    return (community is None, community or "")


def rollout(
    key: str,
    programme: Programme,
    sites: Iterable[Site],
    fitted: Mapping[tuple[str, str], Fitted],
    *,
    today: date,
) -> Rollout:
    """The programme's coverage over ``sites`` (any venue types: those it does not cover are
    left out), ``fitted`` keyed by (building id, device type)."""
    progress = Progress(start=programme.start, deadline=programme.deadline, today=today)
    order = {venue_type: i for i, venue_type in enumerate(programme.venue_types)}
    total = Counts()
    by_community: dict[str | None, Counts] = {}
    by_row: dict[tuple[str | None, str], Counts] = {}
    gaps: list[Gap] = []
    for site in sites:
        if site.venue_type not in order:
            continue
        found = fitted.get((site.building_id, programme.device_type))
        total = total.add(found)
        by_community[site.community] = by_community.get(site.community, Counts()).add(found)
        row = (site.community, site.venue_type)
        by_row[row] = by_row.get(row, Counts()).add(found)
        if found is None or found.devices == 0:
            gaps.append(Gap(site=site, state=NOT_INSTALLED, devices=0, last_seen_ms=None))
        elif found.online == 0:
            gaps.append(
                Gap(
                    site=site, state=OFFLINE, devices=found.devices, last_seen_ms=found.last_seen_ms
                )
            )
    communities = [
        Unit(community=c, venue_type=None, counts=n, status=status(n, progress))
        for c, n in sorted(by_community.items(), key=lambda kv: _community_order(kv[0]))
    ]
    rows = [
        Unit(community=c, venue_type=v, counts=n, status=status(n, progress))
        for (c, v), n in sorted(
            by_row.items(), key=lambda kv: (*_community_order(kv[0][0]), order[kv[0][1]])
        )
    ]
    gaps.sort(key=lambda g: (*_community_order(g.site.community), g.site.building_id))
    return Rollout(
        key=key,
        programme=programme,
        progress=progress,
        total=total,
        status=status(total, progress),
        communities=communities,
        rows=rows,
        gaps=gaps,
    )
