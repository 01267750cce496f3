"""Hardware simulation in CI: every built-in scenario, run over real Mosquitto against the
real gateway (with the scenario profile), must produce exactly the alarms, tickets and
rejections it declares."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from simulators.check import wait
from simulators.publish import Publisher
from simulators.scenario import builtin, builtin_names, profile
from tests.support.gateway import ADMIN_TOKEN, Gateway, write_config
from tests.support.servers import Mosquitto

NAMES = builtin_names()


@pytest.fixture(scope="module")
def ran(
    mosquitto: Mosquitto, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Gateway, dict[str, str]]]:
    """One gateway; every scenario published at once, each under a tag of its own."""
    folder = tmp_path_factory.mktemp("scenarios")
    config = write_config(
        folder / "gateway.toml",
        mqtt_url=mosquitto.url,
        database_url=f"sqlite:///{folder / 'siteguard.db'}",
        data_dir=folder / "data",
        **profile(),
    )
    gateway = Gateway(config, log_path=folder / "gateway.log").start()
    tags = {name: f"{name[:8]}-{uuid.uuid4().hex[:6]}" for name in NAMES}

    def run(name: str) -> None:
        with Publisher(mosquitto.url, client_id=f"sim-{tags[name]}") as publisher:
            publisher.run(builtin(name).messages(tag=tags[name]))

    threads = [threading.Thread(target=run, args=(name,)) for name in NAMES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    yield gateway, tags
    gateway.stop()


@pytest.mark.services
@pytest.mark.parametrize("name", NAMES)
def test_scenario_produces_what_it_declares(name: str, ran: tuple[Gateway, dict[str, str]]) -> None:
    gateway, tags = ran
    scenario = builtin(name)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=gateway.base, headers=headers, timeout=10) as api:
        found = wait(scenario, tag=tags[name], api=api)
    assert found == [], f"{name}: {found}\n{gateway.log()[-3000:]}"


def test_every_scenario_declares_alarms_or_rejections() -> None:
    assert len(NAMES) >= 12
    for name in NAMES:
        expect: Any = builtin(name).expect
        assert expect.alarms or expect.dead_letters, name
