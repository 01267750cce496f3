"""Rollout coverage in the reports (plan items 13 and 14): per programme a total and one row
per community and venue type, checked against devices of known types, online states and
registration times; devices registered after the period do not count as installed in it."""

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
from tests.reports.fixture import START, Records, local

TZ = "Asia/Shanghai"
NOW = local(2026, 11, 15, 9)


def rollout_records() -> Records:
    r = Records()
    for bid, community, venue_type in (
        ("H1", "甲社区", "high_rise_residential"),
        ("H2", "甲社区", "high_rise_residential"),
        ("R1", "甲社区", "restaurant"),
        ("S1", "乙社区", "shop"),
        ("B1", "乙社区", "self_built"),
        ("P1", "乙社区", "residential"),  # in no programme
    ):
        r.buildings.append(
            {"building_id": bid, "name": bid, "community": community, "venue_type": venue_type}
        )
    for device_id, building, kind, created in (
        ("H1-E0", "H1", "ebike", START),
        ("H1-E1", "H1", "ebike", START),  # offline below: H1 online, not all online
        ("H2-E0", "H2", "ebike", local(2026, 11, 5)),  # registered in November
        ("R1-S0", "R1", "smoke", START),
        ("R1-G0", "R1", "gas", START),  # offline below
        ("S1-S0", "S1", "smoke", START),
        ("P1-S0", "P1", "smoke", START),
    ):
        r.devices.append(
            {"device_id": device_id, "building_id": building, "device_type": kind,
             "created_ms": created, "first_seen_ms": created}
        )  # fmt: skip
    return r


@pytest.fixture(scope="module", params=DATABASES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    engine = street_engine(request, tmp_path_factory.mktemp("rollout"), rollout_records())
    d = schema.devices
    with engine.begin() as conn:  # the fixture registers every device online
        conn.execute(d.update().where(d.c.device_id.in_(["H1-E1", "R1-G0"])).values(online=False))
    yield engine
    engine.dispose()


def report_for(engine: sa.Engine, label: str, **kwargs: Any) -> Report:
    with engine.connect() as conn:
        return build_report(
            conn, Period.parse(label, timezone=TZ), settings=Settings(), now_ms=NOW, **kwargs
        )


def table(report: Report) -> dict[tuple[str, str | None, str | None], tuple[Any, ...]]:
    return {
        (r["programme"], r["community"], r["venue_type"]): (
            r["buildings"], r["installed"], r["online"], r["all_online"], r["status"]
        )
        for r in report.rollout
    }  # fmt: skip


def test_rows_per_programme_community_and_venue_type(engine: sa.Engine) -> None:
    report = report_for(engine, "2026-11")  # running: counted up to now
    assert table(report) == {
        ("ebike_blockers", None, None): (2, 2, 2, 1, "done"),
        ("ebike_blockers", "甲社区", "high_rise_residential"): (2, 2, 2, 1, "done"),
        ("smoke_detectors", None, None): (3, 2, 2, 2, "late"),
        ("smoke_detectors", "甲社区", "restaurant"): (1, 1, 1, 1, "done"),
        ("smoke_detectors", "乙社区", "shop"): (1, 1, 1, 1, "done"),
        ("smoke_detectors", "乙社区", "self_built"): (1, 0, 0, 0, "late"),
        ("gas_detectors", None, None): (1, 1, 0, 0, "behind"),
        ("gas_detectors", "甲社区", "restaurant"): (1, 1, 0, 0, "behind"),
    }
    first = report.rollout[0]
    assert (first["level"], first["deadline"], first["as_of"], first["days_left"]) == (
        "total",
        "2025-12-31",
        "2026-11-15",
        -319,
    )
    assert first["online_as_of"] == "2026-11-15T09:00:00+08:00"
    gas = next(r for r in report.rollout if r["programme"] == "gas_detectors")
    assert gas["days_left"] == 46 and gas["online_rate"] == 0.0
    shop = next(r for r in report.rollout if r["venue_type"] == "shop")
    assert (shop["level"], shop["venue_label"], shop["online_rate"]) == ("row", "小商店", 1.0)
    assert report.to_dict()["rollout"] == report.rollout


def test_a_past_period_counts_the_devices_registered_by_its_end(engine: sa.Engine) -> None:
    report = report_for(engine, "2026-10")
    ebike = table(report)[("ebike_blockers", "甲社区", "high_rise_residential")]
    assert ebike == (2, 1, 1, 0, "late")  # H2's blocker came in November
    first = report.rollout[0]
    assert (first["as_of"], first["days_left"]) == ("2026-10-31", -304)
    # the online state is still today's: the report says when it was taken
    assert first["online_as_of"] == "2026-11-15T09:00:00+08:00"


def test_a_scoped_report_counts_only_its_buildings_and_the_html_shows_the_table(
    engine: sa.Engine,
) -> None:
    report = report_for(engine, "2026-11", buildings=["R1"])
    assert {k for k in table(report) if k[1] is not None} == {
        ("smoke_detectors", "甲社区", "restaurant"),
        ("gas_detectors", "甲社区", "restaurant"),
    }
    assert table(report)[("ebike_blockers", None, None)] == (0, 0, 0, 0, None)
    html = render(report_for(engine, "2026-11"), "html").decode()
    section = html.split("物联设备推广覆盖")[1].split("<h2>")[0]
    assert "高层住宅电梯阻车系统" in section and "自建房" in section and "已逾期" in section
    assert "报告生成时" in section and "2025-12-31" in section
