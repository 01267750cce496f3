"""Inspection coverage in the reports (九小场所, one cycle per quarter): per quarter the period
touches and per community, the venues due, inspected and overdue, checked against
inspections inserted at known times (a visit just before a quarter starts counts in the one
before, on the street's calendar)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.store import schema
from reports import Period, build_report
from reports.render import render
from reports.report import Report, Settings
from tests.reports.databases import DATABASES, street_engine
from tests.reports.fixture import Records, local

TZ = "Asia/Shanghai"
NOW = local(2026, 11, 15, 9)


def coverage_records() -> Records:
    r = Records()
    for bid, community, venue_type in (
        ("R1", "甲社区", "restaurant"),
        ("S1", "甲社区", "shop"),
        ("H1", "甲社区", "residential"),  # not a 九小场所: never due
        ("K1", "乙社区", "school"),
        ("X1", "乙社区", None),
    ):
        r.buildings.append(
            {"building_id": bid, "name": bid, "community": community, "venue_type": venue_type}
        )
    return r


def _inspection(n: int, building: str, community: str, quarter: str, at_ms: int) -> dict[str, Any]:
    return {
        "id": f"IN{n:024d}",
        "building_id": building,
        "community": community,
        "venue_type": None,
        "quarter": quarter,
        "at_ms": at_ms,
        "inspector": "网格员",
        "note": None,
        "failed": 0,
    }


@pytest.fixture(scope="module", params=DATABASES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    engine = street_engine(request, tmp_path_factory.mktemp("coverage"), coverage_records())
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.inspections),
            [
                # 2026-09-30 23:30 in Tianjin: the third quarter's.
                _inspection(1, "R1", "甲社区", "2026-Q3", local(2026, 9, 30, 23)),
                _inspection(2, "R1", "甲社区", "2026-Q4", local(2026, 10, 8)),
                _inspection(3, "R1", "甲社区", "2026-Q4", local(2026, 11, 2)),  # twice: one venue
                _inspection(4, "K1", "乙社区", "2026-Q4", local(2026, 11, 3)),
                _inspection(5, "H1", "甲社区", "2026-Q4", local(2026, 11, 3)),  # not due: ignored
            ],
        )
    yield engine
    engine.dispose()


def report_for(engine: sa.Engine, label: str, **kwargs: Any) -> Report:
    with engine.connect() as conn:
        return build_report(
            conn, Period.parse(label, timezone=TZ), settings=Settings(), now_ms=NOW, **kwargs
        )


def test_a_quarter_counts_each_due_venue_once_per_community(engine: sa.Engine) -> None:
    report = report_for(engine, "2026-Q4")
    assert report.inspections == [  # communities in code-point order, as everywhere
        {"quarter": "2026-Q4", "community": "乙社区", "venues": 1, "done": 1, "rate": 1.0,
         "overdue": 0},
        {"quarter": "2026-Q4", "community": "甲社区", "venues": 2, "done": 1, "rate": 0.5,
         "overdue": 0},
    ]  # fmt: skip
    assert report.to_dict()["inspection_coverage"] == report.inspections


def test_a_year_lists_its_quarters_and_the_ended_ones_show_what_is_overdue(
    engine: sa.Engine,
) -> None:
    rows = report_for(engine, "2026").inspections
    by = {(r["quarter"], r["community"]): (r["venues"], r["done"], r["overdue"]) for r in rows}
    assert by == {
        ("2026-Q1", "甲社区"): (2, 0, 2),
        ("2026-Q1", "乙社区"): (1, 0, 1),
        ("2026-Q2", "甲社区"): (2, 0, 2),
        ("2026-Q2", "乙社区"): (1, 0, 1),
        ("2026-Q3", "甲社区"): (2, 1, 1),  # R1 on 30 September, late evening
        ("2026-Q3", "乙社区"): (1, 0, 1),
        ("2026-Q4", "甲社区"): (2, 1, 0),  # running: S1 is due, not overdue
        ("2026-Q4", "乙社区"): (1, 1, 0),
    }
    month = report_for(engine, "2026-11").inspections
    assert {r["quarter"] for r in month} == {"2026-Q4"}


def test_a_scoped_report_counts_only_its_buildings_and_the_html_shows_the_table(
    engine: sa.Engine,
) -> None:
    report = report_for(engine, "2026-Q4", buildings=["K1"])
    assert [(r["community"], r["venues"], r["done"]) for r in report.inspections] == [
        ("乙社区", 1, 1)
    ]
    html = render(report_for(engine, "2026-Q4"), "html").decode()
    section = html.split("九小场所巡查覆盖率")[1].split("<h2>")[0]
    assert "甲社区" in section and "50%" in section and "100%" in section
