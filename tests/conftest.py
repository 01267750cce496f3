"""Fixtures: real servers (session-wide where tests only read; per test where they stop them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.gateway import Gateway, write_config
from tests.support.servers import Influx1, Mosquitto, Postgres, VictoriaMetrics


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    server = Mosquitto(tmp_path_factory.mktemp("mosquitto"))
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def victoria(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VictoriaMetrics]:
    server = VictoriaMetrics(tmp_path_factory.mktemp("victoria"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def influx1(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Influx1]:
    server = Influx1(tmp_path_factory.mktemp("influx1"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    server = Postgres(tmp_path_factory.mktemp("postgres-unused"))
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def postgres_url(postgres_server: Postgres) -> str:
    return postgres_server.create_database(f"sg_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def building() -> str:
    """A building id of its own per test, so tests sharing a server never see each other."""
    return f"b-{uuid.uuid4().hex[:10]}"


GatewayFactory = Callable[..., Gateway]


@pytest.fixture
def make_gateway(tmp_path: Path) -> Iterator[GatewayFactory]:
    started: list[Gateway] = []
    counter = iter(range(1000))

    def factory(
        *, mqtt_url: str, database_url: str | None = None, **sections: dict[str, Any]
    ) -> Gateway:
        n = next(counter)
        database_url = database_url or f"sqlite:///{tmp_path / 'siteguard.db'}"
        config = write_config(
            tmp_path / f"gateway-{n}.toml",
            mqtt_url=mqtt_url,
            database_url=database_url,
            data_dir=tmp_path / "data",
            **sections,
        )
        gateway = Gateway(config, log_path=tmp_path / f"gateway-{n}.log")
        started.append(gateway)
        return gateway

    yield factory
    for gateway in started:
        if gateway.proc is not None and gateway.proc.poll() is None:
            gateway.stop()
