"""A report as JSON, CSV (one row per unit per figure) or a printable HTML page."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec
from jinja2 import Environment, PackageLoader, select_autoescape

from reports import charts, labels
from reports.report import Report, Unit

Format = Literal["json", "csv", "html"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
_encode = msgspec.json.Encoder().encode


def render(report: Report, fmt: Format) -> bytes:
    if fmt == "json":
        return _encode(report.to_dict())
    if fmt == "csv":
        return to_csv(report).encode("utf-8-sig")  # the BOM: spreadsheets then read UTF-8
    return to_html(report).encode()


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["period", "level", "key", "name", "community", "metric", "label", "value"])
    for unit in [report.total, *report.communities, *report.buildings]:
        for metric, value in unit.figures.items():
            writer.writerow(
                [
                    report.period.label,
                    unit.level,
                    cell(unit.key),
                    cell(unit.name),
                    cell(unit.community or ""),
                    metric,
                    labels.label(metric),
                    "" if value is None else value,
                ]
            )
    return out.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """Text a spreadsheet shows as text: a name such as ``=HYPERLINK(...)`` would otherwise
    be a formula (OWASP "CSV injection"), so it is led by an apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        label=labels.label, label_en=labels.label_en, show=labels.show, charts=charts
    )
    return env


def to_html(report: Report) -> str:
    period = report.period
    generated = datetime.fromtimestamp(report.generated_ms / 1000, ZoneInfo(period.timezone))
    total = report.total
    kinds = [k for k in labels.FIGURES if k.startswith("alarms.kind.")]
    kind_values = [total.figures[k] or 0 for k in kinds]
    hours = [f"{h}" for h in range(24)]
    peak_hours = _peaks(total.by_hour)
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        period=period,
        generated=generated.strftime("%Y-%m-%d %H:%M"),
        first_day=_day(period.start_ms, period.timezone),
        last_day=_day(period.end_ms - 1, period.timezone),
        total=total,
        f=total.figures,
        kind_chart=charts.hbars([labels.label(k) for k in kinds], kind_values, width=440),
        hour_chart=charts.bars(hours, total.by_hour, highlight=peak_hours),
        trend_chart=charts.lines(
            report.trend_labels,
            {
                labels.label(m): report.trend[m]
                for m in ("alarms.total", "alarms.kind.smoke", "alarms.kind.gas", "devices.faults")
            },
        ),
        elevator_chart=charts.hbars(
            [f"{e['building']} {e['device_id']}" for e in report.top_elevators],
            [e["detections"] for e in report.top_elevators],
            width=900,
        ),
        buildings=sorted(report.buildings, key=_attention, reverse=True),
        register_groups=_register_groups(),
        warning_count=len(report.warnings),
    )


# The register's figures in the page's groups: (heading, figure prefixes).
_REGISTER_GROUPS = (
    ("本期新增，按等级与来源", ("register.",)),
    ("增量（新发现的隐患）", ("increment.",)),
    ("存量（街道原有台账）", ("backlog.",)),
    ("挂牌督办与移送", ("supervised.", "referred.")),
    ("重大事故隐患销号", ("major.",)),
)


def _register_groups() -> list[tuple[str, list[str]]]:
    return [
        (title, [k for k in labels.REGISTER if k.startswith(prefixes)])
        for title, prefixes in _REGISTER_GROUPS
    ]


def _day(ms: int, timezone: str) -> str:
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone)).strftime("%Y-%m-%d")


def _peaks(values: list[int]) -> list[bool]:
    """The three busiest hours."""
    ranked = sorted(range(len(values)), key=lambda i: values[i], reverse=True)[:3]
    return [i in ranked and values[i] > 0 for i in range(len(values))]


def _attention(unit: Unit) -> tuple[float, float]:
    """Buildings with fires and most alarms first."""
    f = unit.figures
    return (f.get("alarms.kind.fire") or 0, f.get("alarms.total") or 0)
