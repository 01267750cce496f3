"""A report: every figure of a period per building, per community and in total, with the
e-bike hours, the top elevators, the worst devices, duty shifts and the early warnings."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.engine import Connection

from core.config import Settings as SiteSettings
from core.config.inspections import NINE_SMALL
from core.config.rollout import RolloutConfig
from reports import data, metrics, warnings
from reports.coverage import inspection_coverage
from reports.period import Period
from reports.rollout import rollout_rows
from reports.work import work_report

UNASSIGNED = "（未归属社区）"


@dataclass(frozen=True, kw_only=True)
class Settings:
    params: metrics.Params = field(default_factory=metrics.Params)
    rules: warnings.Rules = field(default_factory=warnings.Rules)
    history: int = 6
    backlog_deadline: date = date(2024, 12, 31)  # reports.backlog_deadline, its last day
    # inspections.venue_types: the venues due for inspection each quarter (the 九小场所)
    inspection_types: tuple[str, ...] = NINE_SMALL
    rollout: RolloutConfig = field(default_factory=RolloutConfig)  # the device programmes
    false_alarm_threshold: int = 3  # reports.false_alarm_threshold


def settings_from(config: SiteSettings) -> Settings:
    """Report settings from the configuration (rules share their thresholds with alerting)."""
    r = config.reports
    day_from, day_to = (int(part[:2]) for part in r.day_shift.split("-"))
    return Settings(
        params=metrics.Params(
            min_confidence=config.alerting.ebike.min_confidence,
            smoke_confirm_window_ms=config.alerting.smoke.confirm_window_s * 1000,
            day_shift=(day_from, day_to),
        ),
        rules=warnings.Rules(
            sigma=r.warning_sigma,
            growth=r.warning_growth_pct / 100,
            growth_min=r.warning_growth_min,
            rising=r.warning_rising_periods,
            min_count=r.warning_min_count,
        ),
        history=r.history_periods,
        backlog_deadline=r.backlog_deadline,
        inspection_types=tuple(config.inspections.venue_types),
        rollout=config.rollout,
        false_alarm_threshold=r.false_alarm_threshold,
    )


@dataclass(frozen=True, kw_only=True)
class Unit:
    level: str  # building, community, total
    key: str
    name: str
    community: str | None
    figures: dict[str, float | None]
    by_hour: list[int]


@dataclass(frozen=True, kw_only=True)
class Report:
    period: Period
    generated_ms: int
    scope: list[str] | None  # the buildings of a scoped token; None: the whole street
    total: Unit
    communities: list[Unit]
    buildings: list[Unit]
    top_elevators: list[dict[str, Any]]
    worst_devices: list[dict[str, Any]]
    shifts: dict[str, dict[str, float | None]]
    warnings: list[dict[str, Any]]
    trend_labels: list[str]
    trend: dict[str, list[float]]  # the street's watched figures, history then this period
    backlog_deadline: date  # the plan's, for the 存量 (its last day)
    # per quarter the period touches and community: venues due, done, rate, overdue
    inspections: list[dict[str, Any]]
    # per device programme: a total row, then per community and venue type (reports/rollout.py)
    rollout: list[dict[str, Any]] = field(default_factory=list)
    # GB 26875: per vendor and device type, device to receipt and receipt to notification
    transmission: list[dict[str, Any]] = field(default_factory=list)
    false_alarm_devices: list[dict[str, Any]] = field(default_factory=list)
    ebike_heatmap: list[list[int]] = field(default_factory=list)  # [weekday, Monday first][hour]
    work: dict[str, Any] | None = None  # a quarter's work report (季度工作情况)
    false_alarm_threshold: int = 3
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        p = self.period
        return {
            "period": {
                "kind": p.kind,
                "label": p.label,
                "start": _iso(p.start_ms, p.timezone),
                "end": _iso(p.end_ms, p.timezone),
                "timezone": p.timezone,
            },
            "generated_at": _iso(self.generated_ms, p.timezone),
            "scope": self.scope,
            "total": _unit(self.total),
            "communities": [_unit(u) for u in self.communities],
            "buildings": [_unit(u) for u in self.buildings],
            "ebike_top_elevators": self.top_elevators,
            "worst_devices": self.worst_devices,
            "ack_by_shift": self.shifts,
            "early_warnings": self.warnings,
            "trend": {"periods": self.trend_labels, **self.trend},
            "backlog_deadline": self.backlog_deadline.isoformat(),
            "inspection_coverage": self.inspections,
            "rollout": self.rollout,
            "transmission_delay": self.transmission,
            "false_alarm_devices": self.false_alarm_devices,
            "ebike_heatmap": self.ebike_heatmap,
            "work_report": self.work,
        }


def _iso(ms: int, timezone: str) -> str:
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone)).isoformat()


def _unit(u: Unit) -> dict[str, Any]:
    return {
        "level": u.level,
        "key": u.key,
        "name": u.name,
        "community": u.community,
        "figures": u.figures,
        "ebike_by_hour": u.by_hour,
    }


def _day_after_ms(day: date, timezone: str) -> int:
    """The first moment after ``day``, local time: a deadline's day is still in time."""
    after = datetime.combine(day + timedelta(days=1), clock_time(), ZoneInfo(timezone))
    return int(after.timestamp() * 1000)


def _clean(value: float) -> float | None:
    if math.isnan(value):
        return None
    return round(value, 4)


def _false_alarm_rows(ds: data.Dataset, w: metrics.Window, threshold: int) -> list[dict[str, Any]]:
    """The devices with false alarms (metrics.false_alarm_devices), named."""
    b, dv = ds.buildings, ds.devices
    return [
        {
            "device_id": dv.ids[i],
            "building_id": b.ids[dv.building[i]],
            "building": b.names[dv.building[i]] or b.ids[dv.building[i]],
            "false_alarms": n,
            "over_threshold": over,
        }
        for i, n, over in metrics.false_alarm_devices(ds, w, threshold)
    ]


def build_report(
    conn: Connection,
    period: Period,
    *,
    settings: Settings,
    now_ms: int,
    buildings: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    timings: dict[str, float] = {}
    started = last = time.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        if progress is not None:
            progress(f"{name} ({now - started:.1f} s)")
        timings[name] = now - last
        last = now

    past = period.history(settings.history)
    offset = ZoneInfo(period.timezone).utcoffset(datetime.fromtimestamp(period.start_ms / 1000))
    utc_offset_ms = int(offset.total_seconds() * 1000) if offset else 0
    ds = data.load(
        conn,
        start_ms=period.start_ms,
        end_ms=period.end_ms,
        history_ms=[(h.start_ms, h.end_ms) for h in past],
        buildings=buildings,
        min_confidence=settings.params.min_confidence,
        utc_offset_ms=utc_offset_ms,
        progress=step,
    )

    backlog_deadline = _day_after_ms(settings.backlog_deadline, period.timezone)

    def window(p: Period) -> metrics.Window:
        return metrics.Window(
            start=p.start_ms,
            end=p.end_ms,
            until=min(p.end_ms, now_ms),
            utc_offset_ms=utc_offset_ms,
            backlog_deadline=backlog_deadline,
        )

    b = ds.buildings
    n_b = len(b.ids)
    community_names = sorted({c or UNASSIGNED for c in b.communities})
    community_of = np.array(
        [community_names.index(c or UNASSIGNED) for c in b.communities], np.int64
    )
    levels = {
        "building": (np.arange(n_b, dtype=np.int64), n_b),
        "community": (community_of, len(community_names)),
        "total": (np.zeros(n_b, np.int64), 1),
    }
    confirmed = metrics.smoke_confirmed(ds, settings.params.smoke_confirm_window_ms)
    current = window(period)
    figures = {
        level: metrics.figures(ds, current, unit_of, n, settings.params, confirmed=confirmed)
        for level, (unit_of, n) in levels.items()
    }
    hours = {level: metrics.by_hour(ds, unit_of, n) for level, (unit_of, n) in levels.items()}
    step("figures")

    # History of the watched figures, per level: [units, periods + 1].
    series: dict[str, dict[str, np.ndarray]] = {level: {} for level in levels}
    past_figures = [
        {
            level: metrics.figures(
                ds, window(h), unit_of, n, settings.params, confirmed=confirmed, detections=False
            )
            for level, (unit_of, n) in levels.items()
        }
        for h in past
    ]
    for level, (unit_of, n) in levels.items():
        detections = np.zeros((len(past), n))
        for i in range(len(past)):
            np.add.at(detections[i], unit_of, ds.detection_history[i])
        for metric in warnings.WATCHED:
            rows = [
                detections[i] if metric == "ebike.detections" else past_figures[i][level][metric]
                for i in range(len(past))
            ]
            series[level][metric] = np.column_stack([*rows, figures[level][metric]])
    step("baselines")

    def units(level: str) -> list[Unit]:
        if level == "building":
            keys = [(bid, b.names[i] or bid, b.communities[i]) for i, bid in enumerate(b.ids)]
        elif level == "community":
            keys = [(c, c, c) for c in community_names]
        else:
            keys = [("street", "全街道", None)]
        return [
            Unit(
                level=level,
                key=key,
                name=name,
                community=community,
                figures={m: _clean(float(v[i])) for m, v in figures[level].items()},
                by_hour=[int(x) for x in hours[level][i]],
            )
            for i, (key, name, community) in enumerate(keys)
        ]

    built = {level: units(level) for level in levels}
    labels = [h.label for h in past] + [period.label]
    found: list[dict[str, Any]] = []
    for level in ("total", "community", "building"):
        described = [{"level": u.level, "key": u.key, "name": u.name} for u in built[level]]
        for metric in warnings.WATCHED:
            found += warnings.find(metric, series[level][metric], described, labels, settings.rules)
    dv = ds.devices
    top = [
        {
            "device_id": dv.ids[i],
            "building_id": b.ids[dv.building[i]],
            "building": b.names[dv.building[i]] or b.ids[dv.building[i]],
            "detections": n,
        }
        for i, n in metrics.top_elevators(ds)
    ]
    worst = [
        {
            "device_id": dv.ids[i],
            "building_id": b.ids[dv.building[i]],
            "device_type": data.DEVICE_TYPES[dv.type[i]],
            **{k: round(v, 4) for k, v in figures_of.items()},
        }
        for i, figures_of in metrics.worst_devices(ds, current)
    ]
    covered = inspection_coverage(
        conn, period, venue_types=settings.inspection_types, buildings=buildings, now_ms=now_ms
    )
    fitted = rollout_rows(conn, period, config=settings.rollout, buildings=buildings, now_ms=now_ms)
    step("assembled")
    return Report(
        period=period,
        generated_ms=now_ms,
        scope=None if buildings is None else sorted(buildings),
        total=built["total"][0],
        communities=built["community"],
        buildings=built["building"],
        top_elevators=top,
        worst_devices=worst,
        shifts=metrics.shifts(ds, current, settings.params),
        warnings=found,
        trend_labels=labels,
        trend={m: [float(x) for x in series["total"][m][0]] for m in warnings.WATCHED},
        backlog_deadline=settings.backlog_deadline,
        inspections=covered,
        rollout=fitted,
        transmission=metrics.transmission(ds, current),
        false_alarm_devices=_false_alarm_rows(ds, current, settings.false_alarm_threshold),
        ebike_heatmap=metrics.heatmap(ds),
        work=work_report(
            conn,
            ds,
            current,
            quarter=period.label,
            communities=community_names,
            community_of=community_of,
            coverage=covered,
            buildings=buildings,
            unassigned=UNASSIGNED,
        )
        if period.kind == "quarter"
        else None,
        false_alarm_threshold=settings.false_alarm_threshold,
        timings=timings,
    )
