"""Active/standby (``ha.enabled``): two real instances, one PostgreSQL, one Mosquitto.

- SIGKILL of the active one partway through 500 QoS 1 smoke alarms: the standby takes over
  within ``ha.takeover_s`` and every alarm is there exactly once, served by the new active.
- Fencing: the active one paused (SIGSTOP) past its lease while alarms arrive, resumed
  (SIGCONT) after the standby took over: it commits and acknowledges nothing more, and rejoins
  as a standby; nothing is doubled.
- A clean stop hands over at the next poll; PostgreSQL down past the lease holds ingest; the
  active's database connection gone silent is a takeover like a death.

Each case records its row in the fault table (tests/support/faults.py).
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.support.barrier import barrier
from tests.support.faults import count, record
from tests.support.gateway import Gateway, write_config
from tests.support.mqtt import Publisher, topic
from tests.support.proxy import CuttableProxy
from tests.support.servers import Mosquitto, Postgres, wait_for

TAKEOVER_S = 10.0
BUILDINGS = 10


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Postgres]:
    server = Postgres(tmp_path / "pg")
    server.start()
    yield server
    server.cleanup()


class Pair:
    """Two instances sharing one database, one broker session name and one config (but for
    the API port and the data directory, which are each machine's own). ``a_database_url``:
    how a reaches the database, when it differs (through a proxy the test can cut)."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        mqtt_url: str,
        database_url: str,
        a_database_url: str | None = None,
    ) -> None:
        client_id = f"sg-ha-{uuid.uuid4().hex[:8]}"
        self.gateways: dict[str, Gateway] = {}
        for name in ("a", "b"):
            config = write_config(
                tmp_path / f"{name}.toml",
                mqtt_url=mqtt_url,
                database_url=(a_database_url or database_url) if name == "a" else database_url,
                data_dir=tmp_path / f"data-{name}",
                mqtt={"client_id": client_id},
                ha={"enabled": True, "takeover_s": TAKEOVER_S, "instance": name},
            )
            self.gateways[name] = Gateway(config, log_path=tmp_path / f"{name}.log")

    def __getitem__(self, name: str) -> Gateway:
        return self.gateways[name]

    def start(self) -> None:
        """a first, so that it leads; b once it stands by for a."""
        self.gateways["a"].start()
        self.gateways["b"].start(wait_ready=False)
        wait_standby(self.gateways["b"], active="a")

    def close(self) -> None:
        for gateway in self.gateways.values():
            if gateway.proc is None:
                continue
            resume(gateway)
            if gateway.proc.poll() is None:
                gateway.stop()


def resume(gateway: Gateway) -> None:
    """SIGCONT, in case a test paused it: a stopped process would not see SIGTERM."""
    assert gateway.proc is not None
    if gateway.proc.poll() is None:
        os.kill(gateway.proc.pid, signal.SIGCONT)


def health(gateway: Gateway) -> tuple[int, dict[str, Any]]:
    try:
        response = httpx.get(f"{gateway.base}/healthz", timeout=2)
    except httpx.TransportError:
        return 0, {}
    return response.status_code, response.json()


def wait_standby(gateway: Gateway, *, active: str) -> None:
    def standing_by() -> bool:
        code, body = health(gateway)
        return code == 503 and body.get("role") == "standby" and body.get("active") == active

    wait_for(standing_by, timeout=30, what=f"{gateway.config.stem} standing by for {active}")


def metric(gateway: Gateway, name: str) -> float:
    return gateway.metrics().get(name, 0.0)


class Burst:
    """``n`` smoke detectors in ten buildings, one alarm each (ids ``m0``...), and what became
    of them: the events rows and the smoke alarms the API serves."""

    def __init__(self, *, database_url: str, n: int) -> None:
        self.url = database_url
        self.n = n
        self.began = time.monotonic()
        self.buildings = [f"b-{uuid.uuid4().hex[:8]}" for _ in range(BUILDINGS)]
        self.building_of = {f"s{i}": self.buildings[i % BUILDINGS] for i in range(n)}

    def messages(self, start: int = 0, stop: int | None = None) -> list[Any]:
        return [
            (topic(self.building_of[f"s{i}"], "smoke", f"s{i}"), {"type": "alarm", "id": f"m{i}"})
            for i in range(start, self.n if stop is None else stop)
        ]

    def publish_paced(self, mqtt_url: str) -> threading.Thread:
        """All of them, 10 every 50 ms, from a thread (about two seconds for 400)."""
        messages = self.messages()

        def run() -> None:
            with Publisher(mqtt_url) as pub:
                for start in range(0, len(messages), 10):
                    pub.publish_many(messages[start : start + 10])
                    time.sleep(0.05)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def event_ids(self) -> list[str]:
        engine = sa.create_engine(self.url.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.text("SELECT msg_id FROM events WHERE building_id = ANY(:b)"),
                    {"b": self.buildings},
                )
                return [row[0] for row in rows]
        finally:
            engine.dispose()

    def wait_accepted(self, at_least: int) -> None:
        wait_for(lambda: len(self.event_ids()) >= at_least, timeout=30, what=f"{at_least} alarms")

    def smoke_alarm_devices(self, gateway: Gateway) -> list[str]:
        devices: list[str] = []
        for building in self.buildings:
            page = gateway.get(
                "/api/v1/alarms", status="all", kind="smoke", building=building, limit=500
            )
            assert page["total"] == len(page["items"])
            devices += [alarm["device_id"] for alarm in page["items"]]
        return devices

    def settle(self, active: Gateway, mqtt_url: str, *, case: str, note: str) -> None:
        """Every alarm accepted once and served by ``active``; the row recorded."""
        self.wait_accepted(self.n)
        barrier(active, mqtt_url)  # any redelivered copy has been applied by now
        ids = self.event_ids()
        devices = self.smoke_alarm_devices(active)
        row = record(
            count(
                case,
                published=[f"m{i}" for i in range(self.n)],
                found=ids,
                alarms=len(devices),
                seconds=time.monotonic() - self.began,
                note=note,
            )
        )
        print(f"\n{row}")
        assert (row.lost, row.doubled) == (0, 0)
        assert sorted(ids) == sorted(f"m{i}" for i in range(self.n))
        assert sorted(devices) == sorted(self.building_of)  # one smoke alarm per detector


@pytest.mark.services
def test_sigkill_of_the_active_mid_burst_the_standby_serves_every_alarm_once(
    mosquitto: Mosquitto, pg: Postgres, tmp_path: Path
) -> None:
    burst = Burst(database_url=pg.create_database("ha_kill"), n=500)
    pair = Pair(tmp_path, mqtt_url=mosquitto.url, database_url=burst.url)
    a, b = pair["a"], pair["b"]
    try:
        pair.start()
        publisher = burst.publish_paced(mosquitto.url)
        burst.wait_accepted(100)
        killed = time.monotonic()
        a.kill()
        wait_for(lambda: health(b)[0] == 200, timeout=30, what="b to take over")
        takeover = time.monotonic() - killed
        publisher.join(timeout=60)
        burst.settle(
            b,
            mosquitto.url,
            case="HA: SIGKILL of the active mid-burst",
            note=f"takeover {takeover:.1f} s (budget {TAKEOVER_S:.0f} s)",
        )
        assert takeover <= TAKEOVER_S
        assert health(b)[1]["role"] == "active"
        assert metric(b, "siteguard_ha_active") == 1
    finally:
        pair.close()


@pytest.mark.services
def test_a_paused_active_is_fenced_and_rejoins_as_standby(
    mosquitto: Mosquitto, pg: Postgres, tmp_path: Path
) -> None:
    burst = Burst(database_url=pg.create_database("ha_pause"), n=300)
    pair = Pair(tmp_path, mqtt_url=mosquitto.url, database_url=burst.url)
    a, b = pair["a"], pair["b"]
    try:
        pair.start()
        with Publisher(mosquitto.url) as pub:
            pub.publish_many(burst.messages(0, 100))
        burst.wait_accepted(100)
        barrier(a, mosquitto.url)
        commits_before = metric(a, "siteguard_store_commit_seconds_count")
        assert a.proc is not None
        os.kill(a.proc.pid, signal.SIGSTOP)
        paused = time.monotonic()
        # Delivered to the paused instance's socket (up to the broker's in-flight window),
        # the rest queued in the session; the successor gets all of them.
        with Publisher(mosquitto.url) as pub:
            pub.publish_many(burst.messages(100, 300))
        wait_for(lambda: health(b)[0] == 200, timeout=30, what="b to take over")
        takeover = time.monotonic() - paused
        burst.wait_accepted(300)
        os.kill(a.proc.pid, signal.SIGCONT)
        wait_standby(a, active="b")
        fenced = {
            action: metric(a, f'siteguard_ha_fenced_total{{action="{action}"}}')
            for action in ("commit", "ack", "connect")
        }
        commits_after = metric(a, "siteguard_store_commit_seconds_count")
        refused = ", ".join(f"{k} {v:.0f}" for k, v in fenced.items())
        burst.settle(
            b,
            mosquitto.url,
            case="HA: active paused (SIGSTOP) past its lease",
            note=f"takeover {takeover:.1f} s; old active after SIGCONT: "
            f"{commits_after - commits_before:.0f} commits, refused {refused}",
        )
        assert commits_after == commits_before, "the paused instance committed after its lease"
        assert metric(a, "siteguard_ha_active") == 0
        assert metric(a, 'siteguard_ha_leadership_changes_total{change="lost"}') == 1
        assert "lease lost: standing down" in a.log_path.read_text()
    finally:
        pair.close()


@pytest.mark.services
def test_a_clean_stop_mid_burst_hands_over_at_the_next_poll(
    mosquitto: Mosquitto, pg: Postgres, tmp_path: Path
) -> None:
    """SIGTERM: the active drains, acknowledges, releases the lease; the standby need not wait
    for it to run out."""
    burst = Burst(database_url=pg.create_database("ha_term"), n=400)
    pair = Pair(tmp_path, mqtt_url=mosquitto.url, database_url=burst.url)
    a, b = pair["a"], pair["b"]
    try:
        pair.start()
        publisher = burst.publish_paced(mosquitto.url)
        burst.wait_accepted(100)
        stopped = time.monotonic()
        assert a.stop() == 0
        wait_for(lambda: health(b)[0] == 200, timeout=30, what="b to take over")
        handover = time.monotonic() - stopped
        publisher.join(timeout=60)
        burst.settle(
            b,
            mosquitto.url,
            case="HA: clean stop (SIGTERM) of the active mid-burst",
            note=f"handover {handover:.1f} s (lease released)",
        )
        # Released, not run out: the drain and one poll, well inside the lease.
        assert handover < TAKEOVER_S / 2
    finally:
        pair.close()


@pytest.mark.services
def test_a_database_outage_longer_than_the_lease_holds_ingest_and_loses_nothing(
    mosquitto: Mosquitto, pg: Postgres, tmp_path: Path
) -> None:
    """With ha.enabled there is no write-set spool: ingest holds (the broker keeps the
    messages), the lease runs out on both sides, and whoever takes it when PostgreSQL is
    back serves everything, once."""
    burst = Burst(database_url=pg.create_database("ha_outage"), n=400)
    pair = Pair(tmp_path, mqtt_url=mosquitto.url, database_url=burst.url)
    try:
        pair.start()
        publisher = burst.publish_paced(mosquitto.url)
        burst.wait_accepted(100)
        pg.stop()
        wait_for(
            lambda: health(pair["a"])[1].get("role") == "standby",
            timeout=30,
            what="a to stand down once its lease ran out",
        )
        pg.start()
        publisher.join(timeout=60)

        def someone_active() -> bool:
            return any(health(g)[0] == 200 for g in pair.gateways.values())

        wait_for(someone_active, timeout=30, what="a new active")
        active = next(g for g in pair.gateways.values() if health(g)[0] == 200)
        burst.settle(
            active,
            mosquitto.url,
            case="HA: PostgreSQL down past the lease",
            note=f"no write-set spool: ingest held; {active.config.stem} active after",
        )
    finally:
        pair.close()


@pytest.mark.services
def test_the_actives_database_connection_cut_the_standby_takes_over(
    mosquitto: Mosquitto, pg: Postgres, tmp_path: Path
) -> None:
    """a's network to PostgreSQL goes silent (no reset, no answer): its renewals hang, its
    deadline passes, it stands down; b takes over within the budget."""
    burst = Burst(database_url=pg.create_database("ha_cut"), n=400)
    proxy = CuttableProxy(upstream_port=pg.port)
    pair = Pair(
        tmp_path,
        mqtt_url=mosquitto.url,
        database_url=burst.url,
        a_database_url=proxy.url(burst.url),
    )
    a, b = pair["a"], pair["b"]
    try:
        pair.start()
        publisher = burst.publish_paced(mosquitto.url)
        burst.wait_accepted(100)
        proxy.cut()
        cut = time.monotonic()
        wait_for(lambda: health(b)[0] == 200, timeout=30, what="b to take over")
        takeover = time.monotonic() - cut
        wait_for(lambda: health(a)[1].get("role") == "standby", timeout=30, what="a standing by")
        publisher.join(timeout=60)
        burst.settle(
            b,
            mosquitto.url,
            case="HA: the active's database connection cut",
            note=f"takeover {takeover:.1f} s after the cut (silent, no reset)",
        )
        proxy.heal()
        wait_standby(a, active="b")
        assert takeover <= TAKEOVER_S
    finally:
        pair.close()
        proxy.close()
