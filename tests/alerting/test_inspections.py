"""The inspection cycle as pure values: quarters on the street's calendar, which venues fall
due and in what state, coverage, and answers checked against a checklist."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from alerting.inspections import (
    Answer,
    Done,
    InspectionInvalid,
    Quarter,
    Venue,
    check_answers,
    coverage,
    plan,
)
from alerting.labels import CHECK
from alerting.tickets import NINE_SMALL, VENUE_TYPES
from core.config.inspections import CHECK_ITEMS, InspectionsConfig
from core.config.inspections import NINE_SMALL as CONFIG_NINE_SMALL
from core.config.inspections import VENUE_TYPES as CONFIG_VENUE_TYPES

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_a_quarter_starts_at_local_midnight_of_its_first_day() -> None:
    q4 = Quarter.parse("2026-Q4")
    assert str(q4) == "2026-Q4" and str(q4.next()) == "2027-Q1"
    start, end = q4.bounds_ms(SHANGHAI)
    assert start == ms("2026-10-01T00:00:00+08:00")
    assert end == ms("2027-01-01T00:00:00+08:00")
    # 2026-09-30T16:30Z is already October the 1st in Tianjin.
    assert Quarter.of(ms("2026-09-30T16:30:00+00:00"), SHANGHAI) == q4
    assert Quarter.of(ms("2026-09-30T15:59:59+00:00"), SHANGHAI) == Quarter.parse("2026-Q3")
    assert Quarter.of(ms("2026-09-30T16:30:00+00:00"), ZoneInfo("UTC")) == Quarter.parse("2026-Q3")


@pytest.mark.parametrize("text", ["2026-Q5", "2026Q1", "26-Q1", "2026-q1", "", "0001-Q1"])
def test_a_quarter_that_does_not_parse_says_the_form(text: str) -> None:
    with pytest.raises(ValueError, match="like 2026-Q4"):
        Quarter.parse(text)


def venue(building_id: str, community: str, venue_type: str = "shop") -> Venue:
    return Venue(building_id=building_id, name=None, community=community, venue_type=venue_type)


def test_the_plan_puts_what_is_not_done_first_and_overdue_once_the_quarter_ends() -> None:
    venues = [venue("A1", "东园"), venue("A2", "东园"), venue("B1", "西园"), venue("B2", "西园")]
    done = {"A2": Done(inspection_id="I1", failed=2)}
    end = ms("2027-01-01T00:00:00+08:00")
    running = plan(venues, done, quarter_end_ms=end, now_ms=end - 1)
    assert [(e.venue.building_id, e.state) for e in running] == [
        ("A1", "due"),
        ("B1", "due"),
        ("B2", "due"),
        ("A2", "done"),
    ]
    assert running[-1].inspection_id == "I1" and running[-1].failed == 2
    ended = plan(venues, done, quarter_end_ms=end, now_ms=end)
    assert [e.state for e in ended] == ["overdue", "overdue", "overdue", "done"]
    assert [(c.community, c.venues, c.done, c.rate) for c in coverage(ended)] == [
        ("东园", 2, 1, 0.5),
        ("西园", 2, 0, 0.0),
    ]
    assert coverage([]) == []


CHECKLIST = ("fire_exits", "extinguishers", "gas_hoses")


def test_answers_come_back_in_checklist_order() -> None:
    answers = [
        Answer(item="gas_hoses", ok=False, note="软管老化", photo_id="P1"),
        Answer(item="fire_exits", ok=True),
        Answer(item="extinguishers", ok=True),
    ]
    ordered = check_answers(answers, CHECKLIST)
    assert [a.item for a in ordered] == list(CHECKLIST)
    assert ordered[2].photo_id == "P1"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            [("fire_exits", True, None), ("extinguishers", True, None)],
            "not answered: gas_hoses",
        ),
        (
            [("fire_exits", True, None), ("fire_exits", True, None)],
            "more than once: fire_exits",
        ),
        (
            [("fire_exits", True, None), ("extinguishers", True, None), ("wiring", True, None)],
            "not on this venue's checklist: wiring",
        ),
        (
            [("fire_exits", True, None), ("extinguishers", False, " "), ("gas_hoses", True, None)],
            "needs a note saying what is wrong: extinguishers",
        ),
    ],
)
def test_answers_that_do_not_fit_the_checklist_are_refused_saying_how(
    answers: list[tuple[str, bool, str | None]], message: str
) -> None:
    with pytest.raises(InspectionInvalid, match=message):
        check_answers([Answer(item=i, ok=ok, note=n) for i, ok, n in answers], CHECKLIST)


def test_config_venue_types_and_items_match_the_label_tables() -> None:
    assert tuple(VENUE_TYPES) == CONFIG_VENUE_TYPES
    assert CONFIG_NINE_SMALL == NINE_SMALL
    assert tuple(CHECK) == CHECK_ITEMS
    config = InspectionsConfig()
    assert config.items_for("restaurant")[-4:] == (
        "gas_hoses",
        "gas_detector",
        "escape_routes",
        "smoke_detectors",
    )
    assert "gas_hoses" not in config.items_for("shop")
    assert config.items_for(None) == config.items_for("shop")


def test_config_refuses_unknown_items_and_venue_types() -> None:
    with pytest.raises(ValueError, match="unknown items sprinklers"):
        InspectionsConfig(checklist=["fire_exits", "sprinklers"])
    with pytest.raises(ValueError, match="unknown venue types spa"):
        InspectionsConfig(checklists={"spa": ["fire_exits"]})
    with pytest.raises(ValueError, match="unknown venue types casino"):
        InspectionsConfig(venue_types=["shop", "casino"])
