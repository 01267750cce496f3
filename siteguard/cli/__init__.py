"""The ``siteguard`` command: one module per command group, each adding its parsers
(``add``) and running them; a command imports its heavy modules only when chosen."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core.config import ConfigError
from siteguard.cli import adapters, registry, report, service, simulate, tokens


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"siteguard: {exc}", file=sys.stderr)
        return 2
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="siteguard", description="Building-safety IoT gateway (smoke, gas, e-bike blockers)."
    )
    sub = parser.add_subparsers(title="commands")
    service.add_run(sub)
    tokens.add(sub)
    registry.add(sub)
    report.add(sub)
    simulate.add(sub)
    adapters.add(sub)
    service.add_demo(sub)
    return parser
