"""Rollout coverage as pure values: what counts as installed and online, the rows per
community and venue type, the gaps, and progress against the deadline (docs/rollout.md)."""

from __future__ import annotations

from datetime import date

import pytest

from alerting.rollout import Counts, Fitted, Progress, Site, rollout, status
from core.config.rollout import RolloutConfig

SMOKE = RolloutConfig().smoke_detectors
EBIKE = RolloutConfig().ebike_blockers


def site(building_id: str, community: str | None, venue_type: str | None) -> Site:
    return Site(building_id=building_id, name=f"{building_id}号", community=community,
                venue_type=venue_type)  # fmt: skip


SITES = [
    site("S1", "东园", "shop"),  # two detectors, one online: online, not all online
    site("S2", "东园", "shop"),  # none
    site("R1", "东园", "restaurant"),  # one, offline
    site("O1", "西园", "old_compound"),  # two online
    site("X1", None, "self_built"),  # no community, one online
    site("H1", "东园", "high_rise_residential"),  # smoke detectors do not cover it
    site("Q1", "东园", None),  # no venue type: in no programme
]
FITTED = {
    ("S1", "smoke"): Fitted(devices=2, online=1, last_seen_ms=5),
    ("R1", "smoke"): Fitted(devices=1, online=0, last_seen_ms=7),
    ("R1", "gas"): Fitted(devices=1, online=1, last_seen_ms=9),  # another programme's
    ("O1", "smoke"): Fitted(devices=2, online=2, last_seen_ms=8),
    ("X1", "smoke"): Fitted(devices=1, online=1, last_seen_ms=3),
    ("H1", "smoke"): Fitted(devices=4, online=4, last_seen_ms=3),
}


def test_counts_per_community_and_venue_type_in_the_programmes_order() -> None:
    r = rollout("smoke_detectors", SMOKE, SITES, FITTED, today=date(2025, 6, 1))
    assert r.total == Counts(
        buildings=5, installed=4, online=3, all_online=2, devices=6, devices_online=4
    )
    assert (r.total.installed_rate, r.total.online_rate, r.total.all_online_rate) == (
        0.8,
        0.6,
        0.4,
    )
    # shop before restaurant: the order of rollout.smoke_detectors.venue_types
    assert [(u.community, u.venue_type, u.counts.buildings, u.counts.installed, u.counts.online)
            for u in r.rows] == [
        ("东园", "shop", 2, 1, 1),
        ("东园", "restaurant", 1, 1, 0),
        ("西园", "old_compound", 1, 1, 1),
        (None, "self_built", 1, 1, 1),  # no community: last
    ]  # fmt: skip
    assert [(u.community, u.counts.buildings, u.counts.online) for u in r.communities] == [
        ("东园", 3, 1),
        ("西园", 1, 1),
        (None, 1, 1),
    ]


def test_gaps_are_the_buildings_not_installed_or_with_none_online() -> None:
    r = rollout("smoke_detectors", SMOKE, SITES, FITTED, today=date(2025, 6, 1))
    assert [(g.site.building_id, g.state, g.devices, g.last_seen_ms) for g in r.gaps] == [
        ("R1", "offline", 1, 7),
        ("S2", "not_installed", 0, None),
    ]
    ebike = rollout("ebike_blockers", EBIKE, SITES, FITTED, today=date(2025, 6, 1))
    assert ebike.total.buildings == 1 and ebike.total.installed == 0  # H1 has smoke only
    assert [g.site.building_id for g in ebike.gaps] == ["H1"]


def test_registered_with_zero_devices_is_not_installed() -> None:
    r = rollout(
        "ebike_blockers",
        EBIKE,
        [site("H1", "东园", "high_rise_residential")],
        {("H1", "ebike"): Fitted(devices=0, online=0, last_seen_ms=None)},
        today=date(2025, 6, 1),
    )
    assert r.total.installed == 0 and r.gaps[0].state == "not_installed"


def test_progress_counts_days_on_the_local_calendar() -> None:
    start, deadline = date(2024, 4, 1), date(2025, 12, 31)
    on_deadline = Progress(start=start, deadline=deadline, today=deadline)
    assert (on_deadline.days_left, on_deadline.past_deadline) == (0, False)
    after = Progress(start=start, deadline=deadline, today=date(2026, 1, 1))
    assert (after.days_left, after.past_deadline, after.expected_rate) == (-1, True, 1.0)
    assert Progress(start=start, deadline=deadline, today=start).expected_rate == 0.0
    assert Progress(start=start, deadline=deadline, today=date(2023, 1, 1)).expected_rate == 0.0
    days = (deadline - start).days + 1  # 640
    halfway = Progress(start=start, deadline=deadline, today=date(2024, 12, 16))
    assert halfway.expected_rate == pytest.approx(259 / days)


@pytest.mark.parametrize(
    ("online", "today", "expected"),
    [
        (4, date(2026, 3, 1), "done"),  # every building online: done, even late
        (3, date(2026, 1, 1), "late"),
        (3, date(2025, 6, 1), "on_track"),  # 75 % >= about 66 % of the time gone
        (1, date(2025, 6, 1), "behind"),
    ],
)
def test_status(online: int, today: date, expected: str) -> None:
    progress = Progress(start=date(2024, 4, 1), deadline=date(2025, 12, 31), today=today)
    counts = Counts(buildings=4, installed=4, online=online, all_online=online)
    assert status(counts, progress) == expected


def test_no_buildings_means_no_status_and_no_rates() -> None:
    r = rollout("gas_detectors", RolloutConfig().gas_detectors, [], {}, today=date(2025, 1, 1))
    assert r.status is None and r.total.online_rate is None and r.rows == [] and r.gaps == []
