"""The monthly report's device figures, checked against records inserted at known times:
GB 26875 transmission delay per vendor and device type (device clock to receipt, receipt to
the first notification delivered), false alarms per smoke detector against
``reports.false_alarm_threshold``, and e-bike detections by weekday and hour."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from core.config import Settings as SiteSettings
from reports import Period, build_report
from reports.render import render
from reports.report import Report, Settings, settings_from
from tests.reports.databases import DATABASES, street_engine
from tests.reports.fixture import Records, local

TZ = "Asia/Shanghai"
NOW = local(2026, 11, 2, 9)
T0 = local(2026, 10, 3, 10)
_n = iter(range(1, 1000))


def _device(device_id: str, building: str, kind: str, vendor: str | None) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "building_id": building,
        "device_type": kind,
        "created_ms": local(2026, 1, 1),
        "first_seen_ms": None,
        "vendor": vendor,
    }


def _event(device: str, building: str, kind: str, received: int, delay_ms: int) -> dict[str, Any]:
    return {
        "device_id": device,
        "building_id": building,
        "device_type": kind,
        "type": "alarm",
        "received_ms": received,
        "ts_ms": received - delay_ms,
        "confidence": None,
    }


def _alarm(r: Records, kind: str, building: str, device: str | None, opened: int, **a: Any) -> str:
    alarm_id = f"AL{next(_n):024d}"
    r.alarms.append(
        {
            "id": alarm_id, "kind": kind, "severity": "warning", "building_id": building,
            "device_id": device, "device_ids": a.pop("device_ids", [device] if device else []),
            "opened_ms": opened, "acknowledged_ms": None, "cleared_ms": opened + 60_000,
            "verdict": None, "peak": None, **a,
        }
    )  # fmt: skip
    return alarm_id


def _sent(
    r: Records, alarm_id: str, building: str, kind: str, at: int, status: str = "sent"
) -> None:
    r.notifications.append(
        {"alarm_id": alarm_id, "created_ms": at - 500, "sent_ms": at if status == "sent" else None,
         "status": status, "building_id": building, "kind": kind}
    )  # fmt: skip


def records() -> Records:
    r = Records()
    r.buildings += [
        {"building_id": "A1", "name": "甲一号楼", "community": "甲社区"},
        {"building_id": "B1", "name": "乙一号楼", "community": "乙社区"},
    ]
    r.devices += [
        _device("A1-S0", "A1", "smoke", "V1"),
        _device("A1-S1", "A1", "smoke", "V1"),
        _device("A1-E0", "A1", "ebike", "V2"),
        _device("B1-S0", "B1", "smoke", None),  # no vendor: "unknown"
        _device("B1-G0", "B1", "gas", "V1"),
    ]
    # (a) device time to receipt, in October; negative: the device's clock runs ahead
    for k, delay in enumerate((1_000, 3_000, 12_000, -2_000)):
        r.events.append(_event("A1-S0", "A1", "smoke", T0 + k * 60_000, delay))
    for k, delay in enumerate((10_000, 500)):  # exactly 10 s is within
        r.events.append(_event("B1-G0", "B1", "gas", T0 + k * 60_000, delay))
    r.events.append(_event("B1-S0", "B1", "smoke", T0, 4_000))
    r.events.append(_event("Z9-S0", "B1", "smoke", T0, 20_000))  # not registered: unknown
    r.events.append(_event("A1-S0", "A1", "smoke", local(2026, 9, 30, 23), 50_000))  # September
    r.events.append({**_event("A1-S0", "A1", "smoke", T0, 50_000), "type": "alarm_clear"})
    # (b) receipt (the alarm's opening) to the first notification delivered
    a = _alarm(r, "smoke", "A1", "A1-S0", T0, verdict="false_alarm")
    _sent(r, a, "A1", "smoke", T0 + 2_000)
    _sent(r, a, "A1", "smoke", T0 + 70_000)  # a reminder: not the first
    a = _alarm(r, "smoke", "A1", "A1-S0", T0 + 3_600_000, verdict="false_alarm")
    _sent(r, a, "A1", "smoke", T0 + 3_600_000 + 1_000, status="pending")  # not delivered
    a = _alarm(r, "fire", "A1", None, T0 + 100, device_ids=["A1-S1", "A1-S0"], severity="critical")
    _sent(r, a, "A1", "fire", T0 + 100 + 15_000)  # timed by its first detector: V1 smoke
    a = _alarm(r, "gas", "B1", "B1-G0", T0 + 200)
    _sent(r, a, "B1", "gas", T0 + 200 + 4_000)
    a = _alarm(r, "device_fault", "A1", "A1-S0", T0 + 300)  # not an alarm message: not timed
    _sent(r, a, "A1", "device_fault", T0 + 300 + 1_000)
    a = _alarm(r, "smoke", "A1", "A1-S0", local(2026, 9, 30, 12), verdict="false_alarm")
    _sent(r, a, "A1", "smoke", local(2026, 9, 30, 12) + 30_000)  # September
    # False alarms: A1-S0 three in October (one above, one without a notification, this one)
    _alarm(r, "smoke", "A1", "A1-S0", local(2026, 10, 20), verdict="false_alarm")
    _alarm(r, "smoke", "A1", "A1-S1", local(2026, 9, 20), verdict="false_alarm")  # September
    _alarm(r, "smoke", "A1", "A1-S1", local(2026, 10, 21), verdict="false_alarm")
    _alarm(r, "smoke", "B1", "B1-S0", local(2026, 10, 22), verdict="false_alarm")
    _alarm(r, "smoke", "B1", "B1-S0", local(2026, 10, 23), verdict="real")
    _alarm(r, "smoke", "B1", "B1-S0", local(2026, 10, 24))  # cleared, no verdict: not counted
    # E-bike detections (local time): Monday 5 October 19:30 twice, Saturday 10 October
    # 00:00, Sunday 11 October 23:59; an unsure one and one in November are not counted.
    for at, confidence in (
        (local(2026, 10, 5, 19, 30), 0.9),
        (local(2026, 10, 5, 19, 45), None),
        (local(2026, 10, 10), 0.8),
        (local(2026, 10, 11, 23, 59), 0.95),
        (local(2026, 10, 6, 8), 0.5),
        (local(2026, 11, 1), 0.9),
    ):
        r.events.append(
            {"device_id": "A1-E0", "building_id": "A1", "type": "ebike_detected",
             "received_ms": at, "confidence": confidence}
        )  # fmt: skip
    return r


@pytest.fixture(scope="module", params=DATABASES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    engine = street_engine(request, tmp_path_factory.mktemp("transmission"), records())
    yield engine
    engine.dispose()


def report_for(engine: sa.Engine, label: str = "2026-10", **kw: Any) -> Report:
    settings = kw.pop("settings", None) or Settings()
    with engine.connect() as conn:
        return build_report(
            conn, Period.parse(label, timezone=TZ), settings=settings, now_ms=NOW, **kw
        )


NONE = {"count": 0, "p50_s": None, "p95_s": None, "within_10s": None}


def test_transmission_delay_per_vendor_and_device_type(engine: sa.Engine) -> None:
    assert report_for(engine).transmission == [
        {
            "vendor": "V1",
            "device_type": "smoke",
            # 1, 3 and 12 s (p95: 3 + 9 x 0.9); the -2 s message is clock skew, not 0
            "receipt": {"count": 3, "p50_s": 3.0, "p95_s": 11.1, "within_10s": 0.6667,
                        "clock_skew": 1},
            # the smoke alarm's 2 s and the fire's 15 s (by its first detector, A1-S1)
            "notification": {"count": 2, "p50_s": 8.5, "p95_s": 14.35, "within_10s": 0.5},
        },
        {
            "vendor": "V1",
            "device_type": "gas",
            "receipt": {"count": 2, "p50_s": 5.25, "p95_s": 9.525, "within_10s": 1.0,
                        "clock_skew": 0},
            "notification": {"count": 1, "p50_s": 4.0, "p95_s": 4.0, "within_10s": 1.0},
        },
        {
            "vendor": "unknown",  # B1-S0 has none; Z9-S0 is not registered
            "device_type": "smoke",
            "receipt": {"count": 2, "p50_s": 12.0, "p95_s": 19.2, "within_10s": 0.5,
                        "clock_skew": 0},
            "notification": NONE,
        },
    ]  # fmt: skip


def test_a_scoped_report_times_its_buildings_only(engine: sa.Engine) -> None:
    rows = report_for(engine, buildings=["B1"]).transmission
    assert [(r["vendor"], r["device_type"], r["receipt"]["count"]) for r in rows] == [
        ("V1", "gas", 2),
        ("unknown", "smoke", 2),
    ]
    assert report_for(engine, "2026-08").transmission == []


def test_false_alarms_per_device_against_the_threshold(engine: sa.Engine) -> None:
    assert report_for(engine).false_alarm_devices == [
        {"device_id": "A1-S0", "building_id": "A1", "building": "甲一号楼", "false_alarms": 3,
         "over_threshold": True},
        {"device_id": "A1-S1", "building_id": "A1", "building": "甲一号楼", "false_alarms": 1,
         "over_threshold": False},
        {"device_id": "B1-S0", "building_id": "B1", "building": "乙一号楼", "false_alarms": 1,
         "over_threshold": False},
    ]  # fmt: skip
    settings = settings_from(SiteSettings(reports={"false_alarm_threshold": 4}))
    assert settings.false_alarm_threshold == 4
    rows = report_for(engine, settings=settings).false_alarm_devices
    assert [(r["device_id"], r["over_threshold"]) for r in rows] == [
        ("A1-S0", False),
        ("A1-S1", False),
        ("B1-S0", False),
    ]
    september = report_for(engine, "2026-09").false_alarm_devices
    assert [(r["device_id"], r["false_alarms"]) for r in september] == [
        ("A1-S0", 1),
        ("A1-S1", 1),
    ]


def test_ebike_heatmap_by_weekday_and_hour(engine: sa.Engine) -> None:
    report = report_for(engine)
    want = [[0] * 24 for _ in range(7)]
    want[0][19] = 2  # Monday 19:00-20:00
    want[5][0] = 1  # Saturday 00:00
    want[6][23] = 1  # Sunday 23:59
    assert report.ebike_heatmap == want
    assert report.top_elevators == [
        {"device_id": "A1-E0", "building_id": "A1", "building": "甲一号楼", "detections": 4}
    ]
    assert report.total.by_hour[19] == 2 and sum(report.total.by_hour) == 4


def test_the_figures_in_json_and_html(engine: sa.Engine) -> None:
    report = report_for(engine)
    body = json.loads(render(report, "json"))
    assert body["transmission_delay"][0]["receipt"]["clock_skew"] == 1
    assert body["false_alarm_devices"][0]["over_threshold"] is True
    assert len(body["ebike_heatmap"]) == 7 and body["ebike_heatmap"][0][19] == 2
    assert body["work_report"] is None  # a month has no work report
    html = render(report, "html").decode()
    delay = html.split('data-testid="transmission-delay"')[1].split("<h3")[0]
    assert "GB 26875" in html and "未登记" in delay and "66.7%" in delay and "11 秒" in delay
    heat = html.split('data-testid="ebike-heatmap"')[1].split("</table>")[0]
    assert heat.count("<tr>") == 8 and "周日" in heat
    assert "background: rgba(215, 38, 61, 0.85); color: #fff;" in heat  # the busiest cell
    devices = html.split('data-testid="false-alarm-devices"')[1].split("</table>")[0]
    assert "达到 3 次" in devices and "达到阈值" in devices
    assert "<script" not in html


@pytest.mark.parametrize("db", ["sqlite"])
def test_a_building_whose_alarms_name_devices_it_no_longer_has(
    db: str, tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    """A detector moved to another building keeps its old alarms in the first one: a report
    scoped to that building loads the alarms and none of the devices (found by the API
    fuzzer: an IndexError on an empty device table)."""
    r = Records()
    for bid in ("A1", "B2"):
        r.buildings.append({"building_id": bid, "name": bid, "community": "甲社区"})
    r.devices.append(_device("S1", "A1", "smoke", "vendorx"))
    _alarm(r, "smoke", "B2", "S1", local(2026, 10, 3), verdict="false_alarm")
    request.param = db  # street_engine reads the database kind from the fixture request
    engine = street_engine(request, tmp_path, r)
    try:
        with engine.connect() as conn:
            report = build_report(
                conn,
                Period.parse("2026-10", timezone=TZ),
                settings=Settings(),
                now_ms=NOW,
                buildings=["B2"],
            )
    finally:
        engine.dispose()
    assert report.total.figures["alarms.total"] == 1
    assert report.false_alarm_devices == [] and report.transmission == []
