"""Nothing accepted is lost, nothing is applied twice: restarts, crashes and outages."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import GatewayFactory
from tests.support.barrier import barrier
from tests.support.gateway import Gateway
from tests.support.mqtt import Publisher, topic
from tests.support.servers import Mosquitto, Postgres, VictoriaMetrics, wait_for


def _event_ids(database_url: str, building: str) -> list[str]:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT msg_id FROM events WHERE building_id = :b"), {"b": building}
            )
            return [row[0] for row in rows]
    finally:
        engine.dispose()


def _embedded_points(path: Path, building: str) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT device, ts_us FROM points WHERE building = ?", (building,)
        ).fetchall()


@pytest.mark.services
def test_messages_published_while_gateway_is_down_arrive_after_restart(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str, tmp_path: Path
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    gateway.stop()  # the broker now holds our persistent session
    with Publisher(mosquitto.url) as pub:
        pub.publish_many(
            [
                (topic(building, "smoke", f"s{i}"), {"type": "test", "id": f"offline-{i}"})
                for i in range(50)
            ]
        )
    gateway.start()
    url = f"sqlite:///{tmp_path / 'siteguard.db'}"
    wait_for(lambda: len(_event_ids(url, building)) == 50, timeout=10, what="queued messages")
    assert sorted(_event_ids(url, building)) == sorted(f"offline-{i}" for i in range(50))


@pytest.mark.services
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_stop_mid_burst_loses_nothing_and_applies_nothing_twice(
    how: str, mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str, tmp_path: Path
) -> None:
    """SIGKILL is a crash (the broker redelivers what was not acknowledged); SIGTERM drains
    what was accepted and acknowledges it before exiting."""
    total = 3000
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    messages = [
        (topic(building, "smoke", f"s{i % 40}"), {"type": "test", "id": f"burst-{i}"})
        for i in range(total)
    ]
    url = f"sqlite:///{tmp_path / 'siteguard.db'}"

    def publish_paced() -> None:
        # Paced (~2,500 msg/s, about 1.2 s in all) so the stop lands mid-burst however fast
        # the gateway drains what it is given.
        with Publisher(mosquitto.url) as pub:
            for start in range(0, total, 50):
                pub.publish_many(messages[start : start + 50])
                time.sleep(0.02)

    publisher = threading.Thread(target=publish_paced)
    publisher.start()
    wait_for(lambda: len(_event_ids(url, building)) >= total // 4, timeout=20, what="a quarter")
    if how == "SIGKILL":
        gateway.kill()
    else:
        assert gateway.stop() == 0
    publisher.join(timeout=60)
    assert len(_event_ids(url, building)) < total, "the kill came too late to test anything"
    gateway.start()
    wait_for(lambda: len(_event_ids(url, building)) >= total, timeout=30, what="every event")
    barrier(gateway, mosquitto.url)  # any redelivered duplicate has been applied by now
    ids = _event_ids(url, building)
    assert len(ids) == total and len(set(ids)) == total
    points = _embedded_points(tmp_path / "data" / "series.db", building)
    assert len(points) == len(set(points)) == total
    metrics = gateway.metrics()
    assert metrics.get("siteguard_messages_rejected_total", 0) == 0


@pytest.mark.services
def test_series_outage_is_spooled_and_replayed_in_order(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str, tmp_path: Path
) -> None:
    victoria = VictoriaMetrics(tmp_path / "vm")
    victoria.start()
    try:
        gateway = make_gateway(
            mqtt_url=mosquitto.url,
            influx={"url": victoria.url, "api": "v2", "org": "o", "bucket": "b"},
        ).start()
        match = f'{{__name__="gas_lel_pct",building="{building}"}}'
        ts0 = int(time.time() * 1000) - 600_000

        def send(start: int, stop: int) -> None:
            with Publisher(mosquitto.url) as pub:
                pub.publish_many(
                    [
                        (
                            topic(building, "gas", "g1", "telemetry"),
                            {"type": "reading", "lel_pct": float(i % 100), "ts": ts0 + i * 1000},
                        )
                        for i in range(start, stop)
                    ]
                )

        send(0, 100)
        wait_for(lambda: _samples(victoria, match) == 100, timeout=10, what="first 100 points")
        victoria.stop()
        send(100, 300)
        wait_for(
            lambda: gateway.metrics()["siteguard_series_spool_bytes"] > 0, timeout=10, what="spool"
        )
        victoria.start()
        send(300, 400)
        wait_for(lambda: _samples(victoria, match) == 400, timeout=30, what="all 400 points")
        series = victoria.export(match)[0]
        assert series["timestamps"] == [ts0 + i * 1000 for i in range(400)]
        assert series["values"] == [float(i % 100) for i in range(400)]
        wait_for(
            lambda: gateway.metrics()["siteguard_series_spool_bytes"] == 0,
            timeout=10,
            what="empty spool",
        )
    finally:
        victoria.stop()


@pytest.mark.services
def test_points_spooled_across_a_gateway_restart_are_replayed(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str, tmp_path: Path
) -> None:
    victoria = VictoriaMetrics(tmp_path / "vm")
    victoria.start()
    try:
        gateway = make_gateway(
            mqtt_url=mosquitto.url,
            influx={"url": victoria.url, "api": "v2", "org": "o", "bucket": "b"},
        ).start()
        victoria.stop()
        ts0 = int(time.time() * 1000) - 600_000
        with Publisher(mosquitto.url) as pub:
            pub.publish_many(
                [
                    (
                        topic(building, "gas", "g1", "telemetry"),
                        {"type": "reading", "lel_pct": 5.0, "ts": ts0 + i},
                    )
                    for i in range(250)
                ]
            )
        wait_for(
            lambda: gateway.metrics().get("siteguard_series_points_spooled_total", 0) >= 250,
            timeout=10,
            what="points spooled",
        )
        gateway.stop()
        spool = tmp_path / "data" / "spool" / "series"
        assert any(path.stat().st_size > 0 for path in spool.glob("*.seg"))
        victoria.start()
        gateway.start()
        match = f'{{__name__="gas_lel_pct",building="{building}"}}'
        wait_for(lambda: _samples(victoria, match) == 250, timeout=30, what="replayed points")
    finally:
        victoria.stop()


@pytest.mark.services
def test_database_outage_is_spooled_and_replayed(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str, tmp_path: Path
) -> None:
    postgres = Postgres(tmp_path / "pg")
    postgres.start()
    try:
        url = postgres.create_database("outage")
        gateway = make_gateway(
            mqtt_url=mosquitto.url, database_url=url, database={"retry_max_s": 0.5}
        ).start()

        def send(start: int, stop: int) -> None:
            with Publisher(mosquitto.url) as pub:
                pub.publish_many(
                    [
                        (topic(building, "smoke", f"s{i % 5}"), {"type": "test", "id": f"e{i}"})
                        for i in range(start, stop)
                    ]
                )

        send(0, 50)
        wait_for(lambda: len(_event_ids(url, building)) == 50, timeout=10, what="first 50")
        postgres.stop()
        send(50, 150)  # acknowledged by the broker: the gateway spooled them
        wait_for(
            lambda: gateway.metrics()["siteguard_db_spool_bytes"] > 0, timeout=15, what="db spool"
        )
        assert _healthz(gateway) == 503
        postgres.start()
        send(150, 200)
        wait_for(lambda: len(_event_ids(url, building)) == 200, timeout=30, what="all 200 events")
        assert sorted(_event_ids(url, building)) == sorted(f"e{i}" for i in range(200))
        wait_for(lambda: _healthz(gateway) == 200, timeout=10, what="healthy again")
    finally:
        postgres.cleanup()


@pytest.mark.services
def test_broker_restart_is_survived_with_reconnect(
    make_gateway: GatewayFactory, building: str, tmp_path: Path
) -> None:
    broker = Mosquitto(tmp_path / "mosq")
    broker.start()
    try:
        gateway = make_gateway(mqtt_url=broker.url).start()
        broker.stop()
        wait_for(lambda: _healthz(gateway) == 503, timeout=10, what="healthz to notice")
        broker.start()
        wait_for(lambda: _healthz(gateway) == 200, timeout=30, what="reconnect")
        with Publisher(broker.url) as pub:
            pub.publish(topic(building, "smoke", "s1"), {"type": "test", "id": "after"})
        url = f"sqlite:///{tmp_path / 'siteguard.db'}"
        wait_for(
            lambda: _event_ids(url, building) == ["after"],
            timeout=10,
            what="message after reconnect",
        )
    finally:
        broker.cleanup()


def _samples(victoria: VictoriaMetrics, match: str) -> int:
    return sum(len(s["values"]) for s in victoria.export(match))


def _healthz(gateway: Gateway) -> int:
    import httpx

    return httpx.get(f"{gateway.base}/healthz", timeout=10).status_code
