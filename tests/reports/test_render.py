"""The three formats: JSON as documented, CSV one row per unit per figure, HTML standalone."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from reports import Period, build_report
from reports.render import render
from reports.report import Report, Settings
from tests.reports.fixture import insert, local, make_records


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('render') / 'r.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        insert(conn, make_records())
    with engine.connect() as conn:
        yield build_report(
            conn,
            Period.parse("2026-10", timezone="Asia/Shanghai"),
            settings=Settings(),
            now_ms=local(2026, 11, 2),
        )
    engine.dispose()


def test_json_is_the_documented_shape(report: Report) -> None:
    body = json.loads(render(report, "json"))
    assert body["period"] == {
        "kind": "month",
        "label": "2026-10",
        "start": "2026-10-01T00:00:00+08:00",
        "end": "2026-11-01T00:00:00+08:00",
        "timezone": "Asia/Shanghai",
    }
    assert set(body) == {
        "period", "generated_at", "scope", "total", "communities", "buildings",
        "ebike_top_elevators", "worst_devices", "ack_by_shift", "early_warnings", "trend",
        "backlog_deadline", "inspection_coverage", "rollout", "transmission_delay",
        "false_alarm_devices", "ebike_heatmap", "work_report",
    }  # fmt: skip
    assert body["total"]["figures"]["alarms.kind.fire"] == 2
    assert len(body["total"]["ebike_by_hour"]) == 24
    assert body["trend"]["periods"][-1] == "2026-10" and len(body["trend"]["periods"]) == 7
    documented = Path(__file__).parents[2] / "docs" / "reports.md"
    for figure in body["total"]["figures"]:
        assert f"`{figure}`" in documented.read_text(encoding="utf-8"), figure


def test_csv_one_row_per_unit_per_figure(report: Report) -> None:
    raw = render(report, "csv")
    assert raw.startswith("\ufeff".encode())  # spreadsheets read UTF-8 by the BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    units = 1 + len(report.communities) + len(report.buildings)
    assert len(rows) == units * len(report.total.figures)
    fire = next(r for r in rows if r["key"] == "A1" and r["metric"] == "alarms.kind.fire")
    assert fire["label"] == "火警确认" and float(fire["value"]) == 1  # alerting/labels.py
    assert {r["level"] for r in rows} == {"total", "community", "building"}


def test_html_is_self_contained_chinese_and_printable(report: Report) -> None:
    html = render(report, "html").decode()
    assert html.startswith("<!doctype html>") and 'lang="zh-CN"' in html
    assert "楼宇安全预警统计 · 2026年10月" in html and "风险预警" in html
    assert html.count("<svg") >= 4
    assert "@media print" in html and "@page" in html
    assert not re.search(r"""(src|href)=["']?https?://""", html)  # no outside resources
    assert "<script" not in html
