"""``siteguard report monthly``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from core.config import ConfigError, load_settings
from siteguard.cli.common import config_arg, open_store


def add(sub: Any) -> None:
    report = sub.add_parser("report", help="early-warning statistics")
    report_sub = report.add_subparsers(title="report commands")
    monthly = report_sub.add_parser(
        "monthly", help="a month's (or --quarter's, --year's) report, as JSON, CSV or HTML"
    )
    config_arg(monthly)
    period = monthly.add_mutually_exclusive_group(required=True)
    period.add_argument("--month", help="YYYY-MM (local time)")
    period.add_argument("--quarter", help="YYYY-Qn: the same figures over a quarter")
    period.add_argument("--year", help="YYYY: the same figures over a year")
    monthly.add_argument(
        "--building", action="append", help="only this building (repeat for several)"
    )
    monthly.add_argument("--format", choices=("json", "csv", "html"), default="html")
    monthly.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    monthly.set_defaults(handler=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    import time

    from reports import Period, PeriodError, build_report
    from reports.render import render
    from reports.report import settings_from

    settings = load_settings(args.config)
    try:
        period = Period.parse(args.month or args.quarter or args.year, timezone=settings.timezone)
    except PeriodError as exc:
        raise ConfigError(f"report: {exc}") from exc
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine = open_store(args)
    started = time.monotonic()

    def progress(step: str) -> None:
        print(f"  {step}", file=sys.stderr, flush=True)

    print(f"report {period.label} ({period.label_zh})", file=sys.stderr)
    with engine.connect() as conn:
        report = build_report(
            conn,
            period,
            settings=settings_from(settings),
            now_ms=int(time.time() * 1000),
            buildings=args.building,
            progress=progress,
        )
    engine.dispose()
    body = render(report, args.format)
    if args.output:
        args.output.write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
    print(
        f"done in {time.monotonic() - started:.1f} s: {len(report.buildings)} buildings, "
        f"{len(report.warnings)} early warnings"
        + (f", written to {args.output}" if args.output else ""),
        file=sys.stderr,
    )
    return 0
