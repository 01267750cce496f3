"""The risk index, pure: each factor's sub-score and saturation, weights, thresholds, the lift
rule, ranking, the month windows and what counts as a rise."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from alerting.risk import RiskInputs, assess, coverage_gaps, level_of, months, ranked, rose
from core.config.risk import FACTORS, RiskConfig, RiskWeights

DEFAULT = RiskConfig()
TOTAL = sum(getattr(DEFAULT.weights, name) for name in FACTORS)


def only(name: str, weight: float = 1.0) -> RiskConfig:
    """A configuration where one factor alone weighs (and nothing lifts the level)."""
    weights = {f: (weight if f == name else 0.0) for f in FACTORS}
    return RiskConfig(weights=RiskWeights(**weights), lift=False)


def test_a_quiet_building_scores_zero_and_is_blue() -> None:
    risk = assess(RiskInputs(building_id="B1"), DEFAULT)
    assert risk.score == 0.0
    assert risk.level == "blue"
    assert [f.name for f in risk.factors] == list(FACTORS)
    assert all(f.points == 0 for f in risk.factors)


@pytest.mark.parametrize(
    ("name", "inputs", "value", "sub"),
    [
        ("fires", {"fires": 1}, 1, 1.0),
        ("gas_critical", {"gas_critical": 1}, 1, 0.5),
        ("smoke_false_rate", {"smoke_alarms": 4, "smoke_false": 1}, 0.25, 0.5),
        ("ebike_detections", {"ebike_detections": 15}, 15, 0.5),
        ("ebike_hotspots", {"ebike_hotspots": 6}, 6, 1.0),
        ("offline_rate", {"devices": 10, "devices_online": 9}, 0.1, 0.2),
        ("low_battery", {"low_battery": 1}, 1, 0.2),
        ("faults", {"faults": 5}, 5, 1.0),
        ("tickets_open", {"tickets_open": 3}, 3, 0.3),
        ("tickets_overdue", {"tickets_overdue": 1}, 1, 0.2),
        ("hazards_major", {"hazards_major": 2}, 2, 1.0),
        ("hazards_supervised", {"hazards_supervised": 1}, 1, 1.0),
        ("failed_items", {"failed_items": 4}, 4, 0.4),
        ("public_reports", {"public_reports": 1}, 1, 0.2),
    ],
)
def test_each_factor_saturates_at_its_documented_value(
    name: str, inputs: dict[str, int], value: float, sub: float
) -> None:
    risk = assess(RiskInputs(building_id="B1", **inputs), only(name))
    factor = risk.factor(name)
    assert factor.value == pytest.approx(value)
    assert factor.sub_score == pytest.approx(sub)
    assert risk.score == pytest.approx(round(100 * sub, 1))
    assert factor.points == pytest.approx(100 * sub)


def test_the_score_is_the_weighted_mean_and_points_add_up() -> None:
    inputs = RiskInputs(building_id="B1", fires=1, tickets_open=5, devices=4, devices_online=2)
    risk = assess(inputs, DEFAULT)
    w = DEFAULT.weights
    expected = 100 * (w.fires * 1 + w.tickets_open * 0.5 + w.offline_rate * 1) / TOTAL
    assert risk.score == round(expected, 1)
    assert sum(f.points for f in risk.factors) == pytest.approx(risk.score, abs=0.1)
    assert risk.factor("fires").weight == w.fires


def test_weights_come_from_the_configuration() -> None:
    inputs = RiskInputs(building_id="B1", ebike_hotspots=3, public_reports=5)
    heavy = RiskConfig(weights=RiskWeights(ebike_hotspots=100))
    assert assess(inputs, heavy).score > assess(inputs, DEFAULT).score


def test_no_smoke_alarms_is_no_false_rate_and_no_devices_no_offline_rate() -> None:
    risk = assess(RiskInputs(building_id="B1"), DEFAULT)
    assert risk.factor("smoke_false_rate").value == 0
    assert risk.factor("offline_rate").value == 0


def test_coverage_gaps_by_venue_type() -> None:
    restaurant = RiskInputs(
        building_id="R", venue_type="restaurant", online_types=frozenset({"smoke"})
    )
    assert coverage_gaps(restaurant, DEFAULT) == ("gas",)
    tower = RiskInputs(building_id="T", venue_type="high_rise_residential")
    assert coverage_gaps(tower, DEFAULT) == ("ebike",)
    home = RiskInputs(building_id="H", venue_type="residential")
    assert coverage_gaps(home, DEFAULT) == ()
    shop = RiskInputs(building_id="S", venue_type="shop", online_types=frozenset({"smoke"}))
    assert coverage_gaps(shop, DEFAULT) == ()
    risk = assess(restaurant, DEFAULT)
    assert risk.factor("coverage_gaps").value == 1
    assert risk.factor("coverage_gaps").detail == "gas"


@pytest.mark.parametrize(
    ("score", "level"),
    [(0, "blue"), (19.9, "blue"), (20, "yellow"), (44.9, "yellow"), (45, "orange"),
     (69.9, "orange"), (70, "red"), (100, "red")],
)  # fmt: skip
def test_level_thresholds(score: float, level: str) -> None:
    assert level_of(score, DEFAULT) == level


@pytest.mark.parametrize("factor", ["fires", "hazards_major", "hazards_supervised"])
def test_a_fire_or_a_major_or_supervised_hazard_lifts_the_level_to_orange(factor: str) -> None:
    risk = assess(RiskInputs(building_id="B1", **{factor: 1}), DEFAULT)
    assert risk.score < DEFAULT.levels.orange
    assert risk.level == "orange"
    assert risk.lifted_by == factor
    unlifted = assess(
        RiskInputs(building_id="B1", **{factor: 1}), DEFAULT.model_copy(update={"lift": False})
    )
    assert unlifted.level != "orange"
    assert unlifted.lifted_by is None


def test_the_lift_never_lowers_a_red_building() -> None:
    inputs = RiskInputs(
        building_id="B1", fires=2, gas_critical=2, ebike_hotspots=3, hazards_major=1,
        hazards_supervised=1, tickets_overdue=5, faults=5, ebike_detections=30, failed_items=10,
    )  # fmt: skip
    risk = assess(inputs, DEFAULT)
    assert risk.level == "red"
    assert risk.lifted_by is None


def test_thresholds_must_rise() -> None:
    with pytest.raises(ValueError, match="yellow < orange < red"):
        RiskConfig.model_validate({"levels": {"yellow": 50, "orange": 40, "red": 70}})


def test_ranked_by_level_then_score() -> None:
    a = assess(RiskInputs(building_id="A", tickets_open=10), DEFAULT)
    b = assess(RiskInputs(building_id="B", fires=1), DEFAULT)  # lifted to orange
    c = assess(RiskInputs(building_id="C"), DEFAULT)
    assert [r.building_id for r in ranked([c, a, b])] == ["B", "A", "C"]


def test_rose_only_from_a_known_lower_level() -> None:
    assert rose("blue", "yellow")
    assert rose("orange", "red")
    assert not rose(None, "red")  # the first computation
    assert not rose("red", "orange")
    assert not rose("yellow", "yellow")


def test_months_are_calendar_months_in_the_street_zone() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    now = 1_793_000_000_000  # 2026-10-26T08:53:20Z
    out = months(now, tz, 3)
    assert [m.label for m in out] == ["2026-08", "2026-09", "2026-10"]
    assert out[-1].end_ms == now
    assert out[0].end_ms == out[1].start_ms
    assert out[1].start_ms == 1_788_192_000_000  # 2026-09-01T00:00+08:00
