"""What several commands share: the ``--config`` argument, logging, the store, signals."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from core.config import load_settings

log = logging.getLogger("siteguard")


def config_arg(parser: argparse.ArgumentParser) -> None:
    default = os.environ.get("SITEGUARD_CONFIG")
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(default) if default else None,
        help="TOML configuration file (default: $SITEGUARD_CONFIG; environment overrides it)",
    )


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("gmqtt").setLevel(logging.ERROR)
    logging.getLogger("amqtt").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)


def open_store(args: argparse.Namespace) -> Any:
    from gateway.store.db import create_engine
    from gateway.store.migrate import upgrade

    settings = load_settings(args.config)
    engine = create_engine(settings.database.url)
    upgrade(engine)
    return engine


def run_until_signalled(main: Callable[[asyncio.Event], Awaitable[int | None]]) -> int:
    """Run ``main(stop_event)`` on a fresh loop; SIGTERM/SIGINT set the event, twice forces exit.
    The exit status is what ``main`` returns (None: 0)."""

    async def runner() -> int | None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def on_signal(signum: int) -> None:
            if stop.is_set():
                log.error("second %s: exiting at once", signal.Signals(signum).name)
                os._exit(1)
            log.info("%s received", signal.Signals(signum).name)
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal, signum)
        return await main(stop)

    return asyncio.run(runner()) or 0
