"""The hazard register's figures (隐患台账: by class and source, the 存量 against the plan's
deadline, the 增量, 挂牌督办, 移送, the major hazards' closing), checked figure by figure
against a dozen tickets inserted with known classes, sources and times."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.config import Settings as SiteSettings
from reports import Period, build_report
from reports.labels import REGISTER
from reports.render import render
from reports.report import Report, Settings, settings_from
from tests.reports.databases import DATABASES, street_engine
from tests.reports.fixture import DAY, Records, local

TZ = "Asia/Shanghai"
NOW = local(2026, 11, 2, 9)  # the plan's deadline for the 存量: 2024-12-31, its last day


def october(day: int, hour: int = 0) -> int:
    return local(2026, 10, day, hour)


def _ticket(n: int, building: str, source: str, hazard_class: str, **times: Any) -> dict[str, Any]:
    return {
        "id": f"TR{n:024d}",
        "building_id": building,
        "category": "inspection",
        "hazard_class": hazard_class,
        "source": source,
        "due_ms": times.pop("due_ms", times["created_ms"] + 7 * DAY),
        "closed_ms": None,
        "supervised_ms": None,
        "referred_ms": None,
        **times,
    }


def register_records() -> Records:
    r = Records()
    for bid, community in (("A1", "甲社区"), ("A2", "甲社区"), ("B1", "乙社区")):
        r.buildings.append({"building_id": bid, "name": bid, "community": community})
    r.tickets = [
        # The 存量: found before the deadline, closed 647 days past it (on 2026-10-10 00:00).
        _ticket(1, "A1", "backlog", "major", created_ms=local(2023, 6, 1),
                due_ms=local(2024, 12, 31), closed_ms=october(10)),
        # closed on the deadline's own day: in time
        _ticket(2, "A1", "backlog", "general", created_ms=local(2024, 3, 1),
                closed_ms=local(2024, 12, 31, 12)),
        # never closed: 669 days past the deadline at the end of October 2026
        _ticket(3, "A2", "backlog", "general", created_ms=local(2024, 5, 1)),
        # found after the deadline: in the 存量, not late for it; supervised, past its deadline
        _ticket(4, "B1", "backlog", "major", created_ms=local(2025, 3, 1),
                supervised_ms=local(2026, 9, 15), due_ms=october(20)),
        # 增量: a major hazard from an alarm, supervised and referred, closed just on time
        _ticket(5, "A1", "alarm", "major", created_ms=october(5), due_ms=october(6),
                closed_ms=october(6), supervised_ms=october(5, 12), referred_ms=october(5, 13)),
        # a major one from an inspection, referred and supervised, open past its deadline
        _ticket(6, "A2", "inspection", "major", created_ms=october(20), due_ms=october(27),
                referred_ms=october(21), supervised_ms=october(22)),
        _ticket(7, "B1", "public", "general", created_ms=october(31, 23)),
        _ticket(8, "B1", "manual", "general", created_ms=local(2026, 9, 20), closed_ms=october(3)),
        # closed at the very end of the window: after it, so still open at the end
        _ticket(9, "A1", "alarm", "general", created_ms=october(12), closed_ms=local(2026, 11, 1)),
        # a September major one, supervised and referred then, closed late in October
        _ticket(10, "A2", "inspection", "major", created_ms=local(2026, 9, 1),
                supervised_ms=local(2026, 9, 2), referred_ms=local(2026, 9, 3),
                due_ms=local(2026, 9, 30), closed_ms=october(15)),
        # an item of the street's register found (and imported) in October
        _ticket(11, "B1", "backlog", "major", created_ms=october(8)),
    ]  # fmt: skip
    return r


# October 2026, per unit: (A1, A2, B1, 甲社区, 乙社区, street); None is undefined (a rate of
# nothing). Every register figure is here: the test fails on one added without its check.
OCTOBER: dict[str, tuple[float | None, ...]] = {
    "register.major": (1, 1, 1, 2, 1, 3),  # tickets 5, 6, 11
    "register.general": (1, 0, 1, 1, 1, 2),  # 9, 7
    "register.source.alarm": (2, 0, 0, 2, 0, 2),  # 5, 9
    "register.source.inspection": (0, 1, 0, 1, 0, 1),  # 6
    "register.source.backlog": (0, 0, 1, 0, 1, 1),  # 11
    "register.source.manual": (0, 0, 0, 0, 0, 0),  # 8 was opened in September
    "register.source.public": (0, 0, 1, 0, 1, 1),  # 7
    "backlog.open_at_end": (0, 1, 2, 1, 2, 3),  # 3; 4, 11
    "backlog.major_open_at_end": (0, 0, 2, 0, 2, 2),  # 4, 11
    "backlog.closed": (1, 0, 0, 1, 0, 1),  # 1
    "backlog.open_at_deadline": (1, 1, 0, 2, 0, 2),  # 1, 3 (2 was closed on the last day)
    "backlog.days_past_deadline": (647, 669, 0, 669, 0, 669),  # 1 closed late, 3 still open
    "increment.opened": (2, 1, 1, 3, 1, 4),  # 5, 9; 6; 7
    "increment.closed": (1, 1, 1, 2, 1, 3),  # 5; 10; 8
    "increment.major_opened": (1, 1, 0, 2, 0, 2),  # 5, 6
    "supervised.active": (0, 1, 1, 1, 1, 2),  # 6; 4 (5 and 10 are closed)
    "supervised.new": (1, 1, 0, 2, 0, 2),  # 5, 6
    "supervised.overdue": (0, 1, 1, 1, 1, 2),  # 6 (due 10-27), 4 (due 10-20)
    "referred.active": (0, 1, 0, 1, 0, 1),  # 6
    "referred.new": (1, 1, 0, 2, 0, 2),  # 5, 6
    "major.open_at_end": (0, 1, 2, 1, 2, 3),  # 6; 4, 11
    "major.closed": (2, 1, 0, 3, 0, 3),  # 1, 5; 10
    "major.closure_rate": (1.0, 0.0, 0.0, 0.5, 0.0, 1 / 3),  # of 5, 6, 11: 5 is closed
    "major.on_time_rate": (0.5, 0.0, None, 1 / 3, None, 1 / 3),  # of 1, 5, 10: 5 on time
}
UNITS = ("A1", "A2", "B1", "甲社区", "乙社区", "street")


@pytest.fixture(scope="module", params=DATABASES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    engine = street_engine(request, tmp_path_factory.mktemp("register"), register_records())
    yield engine
    engine.dispose()


def report_for(
    engine: sa.Engine, label: str, *, now: int = NOW, settings: Settings | None = None
) -> Report:
    with engine.connect() as conn:
        return build_report(
            conn,
            Period.parse(label, timezone=TZ),
            settings=settings or Settings(),
            now_ms=now,
        )


def figures_of(report: Report) -> dict[str, dict[str, float | None]]:
    units = [report.total, *report.communities, *report.buildings]
    return {u.key: u.figures for u in units}


def _approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, abs=1e-4)


def test_october_register_figures(engine: sa.Engine) -> None:
    got = figures_of(report_for(engine, "2026-10"))
    assert set(OCTOBER) == set(REGISTER)
    for figure, values in OCTOBER.items():
        want = dict(zip(UNITS, values, strict=True))
        assert {u: got[u][figure] for u in UNITS} == {u: _approx(v) for u, v in want.items()}, (
            figure
        )


def test_the_deadline_is_known_once_reached(engine: sa.Engine) -> None:
    before = figures_of(report_for(engine, "2024-11"))["street"]
    assert before["backlog.open_at_deadline"] is None  # not yet: undefined, not 0
    assert before["backlog.days_past_deadline"] == 0
    assert before["backlog.open_at_end"] == 3  # 1, 2 and 3 (4 and 11 were found later)
    # December 2024 made while it runs: the deadline is still ahead
    running = figures_of(report_for(engine, "2024-12", now=local(2024, 12, 31, 18)))["street"]
    assert running["backlog.open_at_deadline"] is None
    assert running["backlog.open_at_end"] == 2  # 2 was closed at noon on the last day
    # once the month is over, the deadline has come: 1 and 3 remained; nothing is late yet
    december = figures_of(report_for(engine, "2024-12"))
    assert december["street"]["backlog.open_at_deadline"] == 2
    assert december["A1"]["backlog.open_at_deadline"] == 1
    assert december["street"]["backlog.days_past_deadline"] == 0
    assert december["street"]["backlog.closed"] == 1  # 2, in time


def test_the_deadline_is_configurable(engine: sa.Engine) -> None:
    config = SiteSettings(reports={"backlog_deadline": "2026-10-04"})
    settings = settings_from(config)
    assert settings.backlog_deadline == date(2026, 10, 4)
    got = figures_of(report_for(engine, "2026-10", settings=settings))
    # at 2026-10-05 00:00, 1 (closed on the 10th), 3 and 4 were open; 11 was found later
    assert got["street"]["backlog.open_at_deadline"] == 3
    days = {u: got[u]["backlog.days_past_deadline"] for u in ("A1", "A2", "B1", "street")}
    assert days == {"A1": 5, "A2": 27, "B1": 27, "street": 27}


def test_the_register_in_json_and_html(engine: sa.Engine) -> None:
    report = report_for(engine, "2026-10")
    body = json.loads(render(report, "json"))
    assert body["backlog_deadline"] == "2024-12-31"
    assert body["total"]["figures"]["backlog.days_past_deadline"] == 669
    assert body["buildings"][0]["figures"]["major.on_time_rate"] == 0.5
    html = render(report, "html").decode()
    assert "四、隐患台账" in html and "Hazard register" in html
    assert "存量隐患清零期限 2024-12-31" in html and "期限时未销号 2 项" in html
    assert "超出期限 669.0 天" in html
    assert 'title="Major hazard closure rate">重大事故隐患销号率</td><td>33.3%' in html
    documented = (Path(__file__).parents[2] / "docs" / "reports.md").read_text(encoding="utf-8")
    for figure in REGISTER:
        assert f"`{figure}`" in documented, figure
