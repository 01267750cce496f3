"""Report figures checked against an independent computation from the raw records of a fixture
street: October 2026 with six months of history, and the third quarter rolled up."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from reports import Period, build_report
from reports.report import Report, Settings
from reports.warnings import WATCHED
from tests.reports.databases import DATABASES, street_engine
from tests.reports.fixture import Records, expected, local, make_records

TZ = "Asia/Shanghai"
NOW = local(2026, 11, 2, 9)  # the report is made after the month


@pytest.fixture(scope="module", params=DATABASES)
def street(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[sa.Engine, Records]]:
    records = make_records()
    engine = street_engine(request, tmp_path_factory.mktemp("reports"), records)
    yield engine, records
    engine.dispose()


def report_for(engine: sa.Engine, label: str, **kw: Any) -> Report:
    with engine.connect() as conn:
        return build_report(
            conn, Period.parse(label, timezone=TZ), settings=Settings(), now_ms=NOW, **kw
        )


def _same(got: float | None, want: float | None) -> bool:
    if want is None or got is None:
        return got is None and want is None
    return got == pytest.approx(want, rel=1e-4, abs=1e-3)


def _check_units(report: Report, want: dict[str, dict[str, Any]]) -> int:
    units = {u.key: u for u in [report.total, *report.communities, *report.buildings]}
    assert set(units) == set(want)
    checked = 0
    for key, unit in units.items():
        for metric, got in unit.figures.items():
            default = None if metric.endswith(("_rate", "_s", "_h", "peak_lel")) else 0.0
            value = want[key].get(metric, default)
            assert _same(got, value), (key, metric, got, value)
            checked += 1
        assert unit.by_hour == want[key]["by_hour"], key
    return checked


def test_october_figures_match_the_records(street: tuple[sa.Engine, Records]) -> None:
    engine, records = street
    report = report_for(engine, "2026-10")
    want = expected(records, local(2026, 10, 1), local(2026, 11, 1), NOW)
    checked = _check_units(report, want)
    assert checked == 8 * len(report.total.figures)  # every figure of 4 + 3 + 1 units
    f = report.total.figures
    # The edge cases the fixture was built around, spelled out.
    assert f["alarms.kind.fire"] == 2 and f["fires.real"] == 1
    assert f["gas.repeat_devices"] == 1  # B1-G0 twice in October (once in September)
    assert f["gas.peak_lel"] == 62.0  # the alarm still open at the month's end
    # 30 min past October's start, B1's two 45 min, and C1's from Oct 30 23:00 to the end
    assert f["gas.alarm_minutes"] == pytest.approx(30 + 45 + 45 + 25 * 60)
    assert report.total.figures["devices.count"] == 21
    assert 0.9 < (f["devices.online_rate"] or 0) < 1.0


def test_early_warnings_match_the_baseline_rules(street: tuple[sa.Engine, Records]) -> None:
    engine, records = street
    report = report_for(engine, "2026-10")
    months = [local(2026, m) for m in range(4, 12)]
    windows = [expected(records, months[i], months[i + 1], NOW) for i in range(7)]
    want = set()
    for key in windows[-1]:
        for metric in WATCHED:
            values = [float(w[key].get(metric, 0) or 0) for w in windows]
            history, now = values[:-1], values[-1]
            mean, std = statistics.fmean(history), statistics.pstdev(history)
            sigma = now > mean + 2 * std and now >= 3
            growth = now > 1.5 * mean and now >= 5
            rising = values[-4] < values[-3] < values[-2] < values[-1] and now >= 3
            if sigma or growth or rising:
                want.add((key, metric))
    got = {(w["key"], w["metric"]) for w in report.warnings}
    assert got == want
    # The ones the fixture was built to raise, with the figures that triggered them.
    a1 = next(w for w in report.warnings if (w["key"], w["metric"]) == ("A1", "alarms.kind.smoke"))
    assert a1["value"] >= 8 and a1["baseline_mean"] >= 1.0 and len(a1["history"]) == 7
    assert "sigma" in a1["rules"] and "growth" in a1["rules"]
    assert ("A2", "alarms.kind.smoke") in got  # 0, 0, 0, 2, 3, 4, then 5: rising
    rising = next(
        w for w in report.warnings if (w["key"], w["metric"]) == ("A2", "alarms.kind.smoke")
    )
    assert "rising" in rising["rules"] and rising["periods"][-1] == "2026-10"
    assert ("A2", "ebike.detections") in got  # an elevator getting busier every month
    assert ("B1", "alarms.kind.smoke") not in got  # two a month, every month


def test_third_quarter_rolls_the_months_up(street: tuple[sa.Engine, Records]) -> None:
    engine, records = street
    quarter = report_for(engine, "2026-Q3")
    assert quarter.period.kind == "quarter" and quarter.trend_labels[-1] == "2026-Q3"
    _check_units(quarter, expected(records, local(2026, 7), local(2026, 10), NOW))
    months = [report_for(engine, f"2026-{m:02d}") for m in (7, 8, 9)]
    for metric in ("alarms.total", "alarms.kind.smoke", "ebike.detections", "tickets.opened",
                   "tickets.closed", "gas.alarm_minutes", "devices.faults"):  # fmt: skip
        parts = sum(m.total.figures[metric] or 0 for m in months)
        assert quarter.total.figures[metric] == pytest.approx(parts), metric


def test_a_manager_report_covers_only_their_buildings(street: tuple[sa.Engine, Records]) -> None:
    engine, records = street
    report = report_for(engine, "2026-10", buildings=["A2", "B1"])
    assert [u.key for u in report.buildings] == ["A2", "B1"]
    full = expected(records, local(2026, 10, 1), local(2026, 11, 1), NOW)
    total = report.total.figures
    assert total["alarms.total"] == (full["A2"]["alarms.total"] or 0) + (
        full["B1"]["alarms.total"] or 0
    )
    assert all(e["building_id"] in ("A2", "B1") for e in report.top_elevators)
    assert report.scope == ["A2", "B1"]


def test_a_month_still_running_counts_time_up_to_now(street: tuple[sa.Engine, Records]) -> None:
    engine, records = street
    now = local(2026, 10, 31, 23, 30)
    with engine.connect() as conn:
        report = build_report(
            conn, Period.parse("2026-10", timezone=TZ), settings=Settings(), now_ms=now
        )
    want = expected(records, local(2026, 10, 1), local(2026, 11, 1), now)
    assert report.total.figures["gas.alarm_minutes"] == pytest.approx(
        want["street"]["gas.alarm_minutes"]
    )
    # C1's open alarm counts up to now (24.5 h), not to the month's end
    assert report.total.figures["gas.alarm_minutes"] == pytest.approx(30 + 45 + 45 + 24.5 * 60)


def test_periods() -> None:
    october = Period.parse("2026-10", timezone=TZ)
    assert october.start_ms == local(2026, 10) and october.end_ms == local(2026, 11)
    assert [p.label for p in october.history(3)] == ["2026-07", "2026-08", "2026-09"]
    assert Period.parse("2026-Q1", timezone=TZ).history(1)[0].label == "2025-Q4"
    assert Period.parse("2026", timezone=TZ).end_ms == local(2027, 1)
    assert Period.parse("2026-12", timezone=TZ).shifted(1).label == "2027-01"
    assert Period.containing(local(2026, 8, 15), "quarter", timezone=TZ).label == "2026-Q3"
    for bad in ("2026-13", "26-01", "2026-Q5", "October"):
        with pytest.raises(ValueError, match=r"YYYY|01-12"):
            Period.parse(bad, timezone=TZ)
