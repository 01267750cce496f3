"""``siteguard demo``: the whole product on one machine, nothing to install.

An embedded MQTT broker (amqtt) on a free loopback port, SQLite and the embedded series store
in a working folder, the street of ``simulators/street.py`` in the registry (3 communities,
12 buildings, 300 devices), its devices' background traffic, and every five minutes a new
round of incidents (``simulators/show.py``): within the first two minutes a confirmed fire,
a gas leak, an e-bike hotspot and an offline device.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from amqtt.broker import Broker

from core.clock import SystemClock
from core.config import Settings
from core.ids import IdFactory
from gateway.audit import Actor
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.registry_rows import BuildingFields, DeviceFields, upsert_building, upsert_device
from gateway.tokens import issue_token, store_token
from simulators.fleet import Fleet
from simulators.message import SimMessage
from simulators.models import GasDetector
from simulators.publish import Publisher
from simulators.show import CYCLE_MS, cast, incidents
from simulators.street import Building, build_street
from siteguard.app import Service

log = logging.getLogger(__name__)

# Device clocks of the demo: quicker than a real street's so that a newcomer sees devices
# come and go (an e-bike blocker heard from every 30 s is offline after 90 s of silence).
DEMO_DEVICES: dict[str, Any] = {
    "heartbeat_s": {"smoke": 600, "gas": 30, "ebike": 30},
    "offline_after_missed": 3,
}


_DEMO = Actor(name="demo", role="system")  # who creates the demo's tokens, in the audit log


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def prepare(workdir: Path, street: list[Building]) -> tuple[Path, str, str]:
    """Create the database with the street's registry (idempotent) and two fresh tokens."""
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{workdir / 'siteguard.db'}")
    upgrade(engine)
    now = SystemClock().now_ms()
    with engine.begin() as conn:
        for building in street:
            fields = BuildingFields(
                name=building.name,
                community=building.community,
                address=building.address,
                property_company=building.property_company,
                manager_contact=building.manager_contact,
            )
            upsert_building(conn, building.building_id, fields, now)
            for device in building.devices:
                upsert_device(
                    conn,
                    device.device_id,
                    DeviceFields(
                        device_type=device.device_type,  # type: ignore[arg-type]
                        building_id=building.building_id,
                        floor=device.floor,
                        location=device.location,
                        imei=device.imei,
                        vendor=device.vendor,
                    ),
                    now,
                )
        tokens = {}
        ids = IdFactory()
        for role, name in (("duty", "值班员 (demo)"), ("manager", "金泰物业 (demo)")):
            scope = ["JT01", "JT02", "JT03", "JT04"] if role == "manager" else None
            issued = issue_token(
                ids=ids, now_ms=now, actor=_DEMO, name=name, role=role, buildings=scope
            )
            store_token(conn, issued)
            tokens[role] = issued.token
    engine.dispose()
    return workdir, tokens["duty"], tokens["manager"]


def traffic(street: list[Building], *, seed: int, start_ms: int) -> Iterator[SimMessage]:
    """The street's background traffic and a round of incidents every cycle, in time order."""
    fleet = Fleet(street, seed=seed, smoke_heartbeat_s=300, gas_report_s=15, ebike_heartbeat_s=25)
    gas = {key: model for key, model in fleet.models.items() if isinstance(model, GasDetector)}

    def rounds() -> Iterator[SimMessage]:
        cycle = 0
        while True:
            # This round's dropout falls silent; the last round's comes back.
            fleet.silent = {cast(street, cycle).dropout.device_id}
            yield from incidents(
                street,
                cycle=cycle,
                start_ms=start_ms + cycle * CYCLE_MS,
                seed=seed,
                leak_into=lambda device: gas[device.device_id],
            )
            cycle += 1

    # The merge asks for each round before the fleet reaches its time, so a leak is in its
    # detector's model before that detector's next reading is made.
    return heapq.merge(rounds(), fleet.stream(start_ms))


async def run_demo(
    stop: asyncio.Event, *, workdir: Path, port: int, duration: float | None
) -> None:
    street = build_street()
    workdir, duty, manager = await asyncio.to_thread(prepare, workdir, street)
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
    admin = secrets.token_urlsafe(24)
    overrides: dict[str, Any] = {
        "data_dir": workdir / "data",
        "mqtt": {
            "url": f"mqtt://127.0.0.1:{broker_port}",
            "protocol": "3.1.1",  # amqtt speaks MQTT 3.1.1
            "client_id": "siteguard-demo",
        },
        "database": {"url": f"sqlite:///{workdir / 'siteguard.db'}"},
        "api": {"host": "127.0.0.1", "port": port},
        "auth": {"admin_token": admin},
        "devices": DEMO_DEVICES,
    }
    service = Service(settings=Settings(**overrides))
    service_stop = asyncio.Event()
    service_task = asyncio.create_task(service.run(service_stop), name="service")
    await service.ready.wait()
    seed = int(time.time())
    start_ms = SystemClock().now_ms()
    halt = threading.Event()

    def publish() -> None:
        with Publisher(
            f"mqtt://127.0.0.1:{broker_port}", client_id="siteguard-demo-devices"
        ) as pub:
            pub.run(traffic(street, seed=seed, start_ms=start_ms), origin_ms=start_ms, stop=halt)

    publisher = asyncio.create_task(asyncio.to_thread(publish), name="devices")
    base = f"http://127.0.0.1:{service.api_port}"
    print(
        f"\nSiteGuard demo: 3 communities, {len(street)} buildings, "
        f"{sum(len(b.devices) for b in street)} devices (seed {seed})\n"
        f"  console:       {base}/\n"
        f"  API docs:      {base}/docs\n"
        f"  duty token:    {duty}\n"
        f"  manager token: {manager}   (金泰里 JT01-JT04)\n"
        f"  admin token:   {admin}\n"
        f"  broker:        mqtt://127.0.0.1:{broker_port}\n"
        f"  data folder:   {workdir}\n"
        f"Within two minutes: a confirmed fire, a gas leak, an e-bike hotspot, an offline device.\n"
        f"Press Ctrl-C to stop.\n",
        flush=True,
    )
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), duration)
    halt.set()
    await publisher
    service_stop.set()
    await service_task
    await broker.shutdown()
    log.info("demo stopped")
