"""``siteguard run``, ``check-config`` and ``demo``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.config import ConfigError
from siteguard.cli.common import config_arg, run_until_signalled, setup_logging


def add_run(sub: Any) -> None:
    run = sub.add_parser("run", help="run the gateway and the API")
    config_arg(run)
    run.set_defaults(handler=_cmd_run)

    check = sub.add_parser("check-config", help="validate a configuration file and exit")
    config_arg(check)
    check.set_defaults(handler=_cmd_check_config)


def add_demo(sub: Any) -> None:
    demo = sub.add_parser("demo", help="everything embedded, with simulated buildings")
    demo.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    demo.add_argument("--workdir", type=Path, default=Path("demo-data"), help="working folder")
    demo.add_argument("--port", type=int, default=8000, help="API/console port (0: any free one)")
    demo.set_defaults(handler=_cmd_demo)


def _cmd_check_config(args: argparse.Namespace) -> int:
    from siteguard.config import load_config

    settings = load_config(args.config)  # the notification channels checked by their plugins
    problems = settings.run_problems()
    from adapters.models import ModelError, ModelLibrary

    try:
        models = ModelLibrary.load(settings.adapters.models_dir)
    except ModelError as exc:
        problems.append(f"adapters.models_dir: {exc}")
    else:
        print(f"product models: {', '.join(models.ids())}")
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    print(f"configuration OK{f' ({args.config})' if args.config else ''}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from siteguard.app import Service
    from siteguard.config import load_config

    settings = load_config(args.config)
    setup_logging(settings.log.level)
    if settings.ha.enabled:
        from siteguard.ha import HaRunner, exit_past_stuck_threads

        return exit_past_stuck_threads(run_until_signalled(HaRunner(settings=settings).run))
    service = Service(settings=settings)
    return run_until_signalled(service.run)


def _cmd_demo(args: argparse.Namespace) -> int:
    from siteguard.demo import run_demo

    setup_logging("INFO")
    return run_until_signalled(
        lambda stop: run_demo(stop, workdir=args.workdir, port=args.port, duration=args.duration)
    )
