"""The quarterly work report (季度工作情况, due on the first day of each quarter): per
responsible office and per community, tickets opened and closed, on-time closure,
escalations, 九小场所 inspected against the plan and public reports answered, and the ranking
(考核), checked against tickets, history, inspections and public reports at known times."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.store import schema
from reports import Period, build_report
from reports.render import render
from reports.report import Report, Settings
from reports.schedule import Schedule
from tests.reports.databases import DATABASES, street_engine
from tests.reports.fixture import DAY, Records, local

TZ = "Asia/Shanghai"
NOW = local(2026, 10, 1, 9)  # the first day of the next quarter


def _ticket(n: int, building: str, office: str, created: int, due: int, closed: int | None) -> Any:
    return {
        "id": f"TW{n:024d}", "building_id": building, "category": "inspection",
        "responsible": office, "created_ms": created, "due_ms": due, "closed_ms": closed,
    }  # fmt: skip


def _history(n: int, ticket: int, at: int, level: int) -> dict[str, Any]:
    return {"id": f"TH{n:024d}", "ticket_id": f"TW{ticket:024d}", "at_ms": at,
            "escalation_level": level}  # fmt: skip


def records() -> Records:
    r = Records()
    for bid, community, venue in (("A1", "甲社区", "restaurant"), ("A2", "甲社区", "shop"),
                                  ("B1", "乙社区", "school")):  # fmt: skip
        r.buildings.append(
            {"building_id": bid, "name": bid, "community": community, "venue_type": venue}
        )
    r.tickets = [
        _ticket(1, "A1", "安全办", local(2026, 7, 5), local(2026, 7, 10), local(2026, 7, 8)),
        _ticket(2, "A1", "安全办", local(2026, 7, 20), local(2026, 7, 25), local(2026, 8, 2)),
        # opened in the second quarter, closed late in the third
        _ticket(3, "B1", "城管科", local(2026, 6, 20), local(2026, 6, 25), local(2026, 7, 3)),
        _ticket(4, "B1", "城管科", local(2026, 9, 30, 23), local(2026, 10, 7), None),
        # closed at its due time exactly: on time
        _ticket(5, "A2", "城管科", local(2026, 8, 10), local(2026, 8, 20), local(2026, 8, 20)),
        _ticket(6, "A2", "安全办", local(2026, 9, 1), local(2026, 9, 5), None),
        _ticket(7, "A1", "安全办", local(2026, 10, 1, 1), local(2026, 10, 5), None),  # Q4
    ]
    r.ticket_history = [
        _history(1, 2, local(2026, 7, 20), 0),
        _history(2, 2, local(2026, 7, 26), 1),  # rose
        _history(3, 2, local(2026, 8, 1), 2),  # rose
        _history(4, 3, local(2026, 6, 26), 1),  # rose, in the second quarter
        _history(5, 3, local(2026, 7, 1), 1),  # the same level: not an escalation
        _history(6, 4, local(2026, 9, 30, 23), 0),
        _history(7, 6, local(2026, 9, 6), 1),  # rose
        _history(8, 6, local(2026, 9, 30, 23, 59) + DAY, 2),  # rose, in October
    ]
    return r


def _public(n: int, building: str, created: int, ticket: int | None, folded: int | None) -> Any:
    return {
        "id": f"PR{n:024d}", "tracking_code": f"T{n:05d}", "building_id": building,
        "category": "fire_exit", "text": "t", "address_digest": "x" * 64, "created_ms": created,
        "ticket_id": None if ticket is None else f"TW{ticket:024d}",
        "folded_into": None if folded is None else f"PR{folded:024d}",
    }  # fmt: skip


@pytest.fixture(scope="module", params=DATABASES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    engine = street_engine(request, tmp_path_factory.mktemp("work"), records())
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.public_reports),
            [
                _public(1, "A1", local(2026, 7, 10), 1, None),  # its ticket closed: answered
                _public(2, "A1", local(2026, 7, 11), None, 1),  # folded into 1: answered
                _public(3, "B1", local(2026, 9, 29), 4, None),  # its ticket is open
                _public(4, "B1", local(2026, 6, 1), 3, None),  # the second quarter's
                _public(5, "A2", local(2026, 8, 1), None, None),  # no ticket yet
            ],
        )
        conn.execute(
            sa.insert(schema.inspections),
            [
                {"id": f"IN{n:024d}", "building_id": b, "community": c, "venue_type": None,
                 "quarter": q, "at_ms": at, "inspector": "网格员", "note": None, "failed": 0}
                for n, b, c, q, at in (
                    (1, "A1", "甲社区", "2026-Q3", local(2026, 8, 5)),
                    (2, "B1", "乙社区", "2026-Q2", local(2026, 6, 5)),
                )
            ],
        )  # fmt: skip
    yield engine
    engine.dispose()


def report_for(engine: sa.Engine, label: str, **kw: Any) -> Report:
    with engine.connect() as conn:
        return build_report(
            conn, Period.parse(label, timezone=TZ), settings=Settings(), now_ms=NOW, **kw
        )


def test_the_quarter_per_office_and_community_with_the_ranking(engine: sa.Engine) -> None:
    work = report_for(engine, "2026-Q3").work
    assert work is not None and work["quarter"] == "2026-Q3"
    assert work["offices"] == [
        # equal on-time rates: fewer escalations first
        {"rank": 1, "name": "城管科", "opened": 2, "closed": 2, "on_time": 1,  # 4, 5; 3, 5
         "on_time_rate": 0.5, "escalations": 0, "public_reports": 1, "public_answered": 0,
         "public_answered_rate": 0.0},
        {"rank": 2, "name": "安全办", "opened": 3, "closed": 2, "on_time": 1,  # 1, 2, 6; 1, 2
         "on_time_rate": 0.5, "escalations": 3, "public_reports": 2, "public_answered": 2,
         "public_answered_rate": 1.0},
    ]  # fmt: skip
    assert work["communities"] == [
        {"rank": 1, "name": "甲社区", "opened": 4, "closed": 3, "on_time": 2,
         "on_time_rate": 0.6667, "escalations": 3, "venues": 2, "inspected": 1,
         "coverage_rate": 0.5, "public_reports": 3, "public_answered": 2,
         "public_answered_rate": 0.6667},
        {"rank": 2, "name": "乙社区", "opened": 1, "closed": 1, "on_time": 0,
         "on_time_rate": 0.0, "escalations": 0, "venues": 1, "inspected": 0,
         "coverage_rate": 0.0, "public_reports": 1, "public_answered": 0,
         "public_answered_rate": 0.0},
    ]  # fmt: skip


def test_only_a_quarter_has_it_and_a_scoped_one_counts_its_buildings(engine: sa.Engine) -> None:
    assert report_for(engine, "2026-09").work is None
    assert report_for(engine, "2026").work is None
    work = report_for(engine, "2026-Q3", buildings=["B1"]).work
    assert work is not None
    assert [(r["rank"], r["name"], r["opened"], r["closed"]) for r in work["offices"]] == [
        (1, "城管科", 1, 1)
    ]
    assert [(r["name"], r["venues"], r["public_reports"]) for r in work["communities"]] == [
        ("乙社区", 1, 1)
    ]


def test_the_quarterly_report_is_due_on_the_first_day_of_the_quarter() -> None:
    due = Schedule(timezone=TZ).due(local(2026, 10, 1, 8))
    assert [p.label for p in due] == ["2026-09", "2026-Q3"]
    assert [p.label for p in Schedule(timezone=TZ).due(local(2026, 10, 1, 7, 59))] == []


def test_the_work_report_in_json_and_html(engine: sa.Engine) -> None:
    report = report_for(engine, "2026-Q3")
    body = json.loads(render(report, "json"))
    assert body["work_report"]["communities"][0]["name"] == "甲社区"
    html = render(report, "html").decode()
    section = html.split('data-testid="work-report"')[1].split("<footer>")[0]
    assert "2026年第3季度工作情况" in section and "每季度第一天" in section
    assert "城管科" in section and "66.7%" in section
    assert 'data-testid="work-report"' not in render(report_for(engine, "2026-09"), "html").decode()
