"""``siteguard demo``: the whole product on one machine, nothing to install.

An embedded MQTT broker (amqtt) on a free loopback port, SQLite and the embedded series
store in a working folder, the gateway and API as ``siteguard run`` would start them, and
simulated devices publishing into the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
from pathlib import Path
from typing import Any

from amqtt.broker import Broker

from simulators.traffic import DemoTraffic
from siteguard.app import Service
from siteguard.config import Settings

log = logging.getLogger(__name__)


def _prepare(workdir: Path) -> Path:
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def run_demo(
    stop: asyncio.Event, *, workdir: Path, port: int, duration: float | None
) -> None:
    workdir = await asyncio.to_thread(_prepare, workdir)
    broker_port = _free_port()
    broker = Broker(
        {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{broker_port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
    )
    await broker.start()
    token = secrets.token_urlsafe(24)
    overrides: dict[str, Any] = {
        "data_dir": workdir / "data",
        "mqtt": {
            "url": f"mqtt://127.0.0.1:{broker_port}",
            "protocol": "3.1.1",  # amqtt speaks MQTT 3.1.1
            "client_id": "siteguard-demo",
        },
        "database": {"url": f"sqlite:///{workdir / 'siteguard.db'}"},
        "api": {"host": "127.0.0.1", "port": port},
        "auth": {"admin_token": token},
    }
    settings = Settings(**overrides)
    service = Service(settings=settings)
    service_stop = asyncio.Event()
    service_task = asyncio.create_task(service.run(service_stop), name="service")
    await service.ready.wait()
    traffic = DemoTraffic(broker_url=settings.mqtt.url or "", seed=7)
    traffic_task = asyncio.create_task(traffic.run(), name="traffic")
    print(
        f"\nSiteGuard demo running\n"
        f"  API and docs: http://127.0.0.1:{service.api_port}/docs\n"
        f"  admin token:  {token}\n"
        f"  broker:       mqtt://127.0.0.1:{broker_port}\n"
        f"  data folder:  {workdir}\n"
        f"Press Ctrl-C to stop.\n",
        flush=True,
    )
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), duration)
    traffic_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await traffic_task
    service_stop.set()
    await service_task
    await broker.shutdown()
    log.info("demo stopped")
