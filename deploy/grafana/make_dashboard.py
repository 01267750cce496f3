"""Writes siteguard.json, the Grafana dashboard over SiteGuard's InfluxDB series.

The queries are InfluxQL: InfluxDB 1.x, and 2.x/3.x through their v1 compatibility API.
Run this after changing a panel; tests/e2e/test_grafana.py runs every query against a
real InfluxDB.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATASOURCE = {"type": "influxdb", "uid": "${datasource}"}
IN_VIEW = '"building" =~ /^$building$/ AND $timeFilter'
EBIKE = '"type" = \'ebike_detected\' AND "confidence" >= 0.8'


def target(ref: str, query: str, alias: str = "") -> dict[str, Any]:
    return {
        "refId": ref,
        "query": query,
        "rawQuery": True,
        "resultFormat": "time_series",
        "alias": alias,
        "datasource": DATASOURCE,
    }


def panel(
    pid: int,
    title: str,
    kind: str,
    grid: tuple[int, int, int, int],
    targets: list[dict[str, Any]],
    **extra: Any,
) -> dict[str, Any]:
    x, y, w, h = grid
    return {
        "id": pid,
        "title": title,
        "type": kind,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "datasource": DATASOURCE,
        "targets": targets,
        **extra,
    }


def thresholds(*steps: tuple[float | None, str]) -> dict[str, Any]:
    return {"mode": "absolute", "steps": [{"value": v, "color": c} for v, c in steps]}


def latest_total(field: str, by: str = '"building"') -> str:
    """Sums each building's latest status value: status points are written per building."""
    inner = f'SELECT last("{field}") AS "{field}" FROM "siteguard" WHERE {IN_VIEW} GROUP BY {by}'
    return f'SELECT sum("{field}") FROM ({inner})'


GAS_STEPS = thresholds((None, "green"), (25, "orange"), (50, "red"))

PANELS = [
    panel(
        1,
        "当前报警 Active alarms",
        "stat",
        (0, 0, 6, 4),
        [target("A", latest_total("alarms_active"))],
        fieldConfig={
            "defaults": {"thresholds": thresholds((None, "green"), (1, "orange"), (5, "red"))}
        },
    ),
    panel(
        2,
        "在线设备 Devices online",
        "stat",
        (6, 0, 6, 4),
        [
            target("A", latest_total("devices_online"), "在线"),
            target("B", latest_total("devices"), "总数"),
        ],
    ),
    panel(
        3,
        "燃气最高浓度 Peak gas level (%LEL)",
        "stat",
        (12, 0, 6, 4),
        [target("A", f'SELECT max("lel_pct") FROM "gas" WHERE {IN_VIEW}')],
        fieldConfig={"defaults": {"unit": "percent", "thresholds": GAS_STEPS}},
    ),
    panel(
        4,
        "电动车检测 E-bike detections",
        "stat",
        (18, 0, 6, 4),
        [target("A", f'SELECT sum("count") FROM "ebike" WHERE {EBIKE} AND {IN_VIEW}')],
    ),
    panel(
        5,
        "燃气浓度 Gas level (%LEL)",
        "timeseries",
        (0, 4, 12, 9),
        [
            target(
                "A",
                f'SELECT max("lel_pct") FROM "gas" WHERE {IN_VIEW} '
                'GROUP BY time($__interval), "building", "device" fill(none)',
                "$tag_building $tag_device",
            )
        ],
        fieldConfig={
            "defaults": {
                "unit": "percent",
                "custom": {"thresholdsStyle": {"mode": "line"}},
                "thresholds": GAS_STEPS,
            }
        },
    ),
    panel(
        6,
        "报警事件 Alarm events",
        "timeseries",
        (12, 4, 12, 9),
        [
            target(
                "A",
                f'SELECT sum("count") FROM "smoke" WHERE "type" = \'alarm\' AND {IN_VIEW} '
                "GROUP BY time($__interval) fill(0)",
                "烟感报警 smoke",
            ),
            target(
                "B",
                f'SELECT sum("count") FROM "gas" WHERE "type" = \'alarm\' AND {IN_VIEW} '
                "GROUP BY time($__interval) fill(0)",
                "燃气报警 gas",
            ),
            target(
                "C",
                latest_total("alarms_active", 'time($__interval), "building"')
                + " GROUP BY time($__interval) fill(previous)",
                "当前报警 active",
            ),
        ],
        fieldConfig={"defaults": {"custom": {"drawStyle": "bars", "fillOpacity": 60}}},
    ),
    panel(
        7,
        "电动车进电梯（每小时）E-bike detections per hour",
        "timeseries",
        (0, 13, 12, 9),
        [
            target(
                "A",
                f'SELECT sum("count") FROM "ebike" WHERE {EBIKE} AND {IN_VIEW} '
                'GROUP BY time(1h), "device" fill(0)',
                "$tag_device",
            )
        ],
        fieldConfig={
            "defaults": {
                "custom": {"drawStyle": "bars", "fillOpacity": 70, "stacking": {"mode": "normal"}}
            }
        },
    ),
    panel(
        8,
        "设备在线 Devices online by building",
        "timeseries",
        (12, 13, 12, 9),
        [
            target(
                "A",
                f'SELECT last("devices_online") FROM "siteguard" WHERE {IN_VIEW} '
                'GROUP BY time($__interval), "building" fill(previous)',
                "$tag_building",
            )
        ],
    ),
]

DASHBOARD = {
    "uid": "siteguard-street",
    "title": "SiteGuard 张贵庄街道 楼宇安全",
    "tags": ["siteguard"],
    "timezone": "Asia/Shanghai",
    "schemaVersion": 39,
    "version": 1,
    "refresh": "30s",
    "time": {"from": "now-24h", "to": "now"},
    "templating": {
        "list": [
            {"name": "datasource", "label": "InfluxDB", "type": "datasource", "query": "influxdb"},
            {
                "name": "building",
                "label": "楼栋 Building",
                "type": "query",
                "includeAll": True,
                "multi": True,
                "allValue": ".*",
                "datasource": DATASOURCE,
                "query": 'SHOW TAG VALUES FROM "siteguard" WITH KEY = "building"',
                "refresh": 2,
            },
        ]
    },
    "panels": PANELS,
}

if __name__ == "__main__":
    out = Path(__file__).with_name("siteguard.json")
    out.write_text(json.dumps(DASHBOARD, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
