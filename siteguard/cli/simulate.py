"""``siteguard simulate``: device simulators against any broker."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simulators.formats import FORMATS


def add(sub: Any) -> None:
    simulate = sub.add_parser(
        "simulate", help="device simulators against any broker: a scenario, or load"
    )
    simulate.add_argument("--broker", help="mqtt://host:port (required unless --list)")
    simulate.add_argument("--username")
    simulate.add_argument("--password")
    simulate.add_argument(
        "--ca-file", type=Path, default=None, help="the CA of an mqtts:// broker (a site's own)"
    )
    simulate.add_argument("--list", action="store_true", help="list the built-in scenarios")
    simulate.add_argument("--scenario", help="a built-in scenario's name, or a TOML file")
    simulate.add_argument("--tag", help="prefix for the scenario's building and device ids")
    simulate.add_argument("--check", metavar="API_URL", help="then check its expectations")
    simulate.add_argument("--token", help="bearer token for --check and --api (admin)")
    simulate.add_argument(
        "--format",
        default="canonical",
        choices=FORMATS,
        help="scenario messages as a vendor says them (mixed: a format per device)",
    )
    simulate.add_argument(
        "--transport",
        choices=("mqtt", "http"),
        default="mqtt",
        help="vendor messages on {prefix}/vendor/<adapter>/#, or POSTed to /api/v1/ingest",
    )
    simulate.add_argument(
        "--api", metavar="API_URL", help="registers vendor-format devices; takes HTTP pushes"
    )
    simulate.add_argument("--push-secret", help="adapters.<name>.secret for --transport http")
    simulate.add_argument("--onenet-token", help="adapters.onenet.token: signs OneNET pushes")
    simulate.add_argument("--buildings", type=int, help="load mode: buildings")
    simulate.add_argument("--devices-per-building", type=int, default=25)
    simulate.add_argument("--rate", type=float, default=100.0, help="load mode: messages/s")
    simulate.add_argument("--duration", type=float, default=60.0, help="load mode: seconds")
    simulate.add_argument("--qos", type=int, choices=(0, 1), default=0, help="load mode QoS")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.set_defaults(handler=_cmd_simulate)


def _cmd_simulate(args: argparse.Namespace) -> int:
    from simulators.run import simulate

    return simulate(args)
