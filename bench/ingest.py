"""Ingest benchmark: the gateway's full pipeline against a bare paho subscriber and Node-RED.

Each consumer drains the same N queued messages from one Mosquitto (see common.py): the
baseline only counts them; a plain Node-RED 4 flow (see nodered.py) parses them, batches 1000
points and writes them to VictoriaMetrics with node-red-contrib-influxdb; the gateway decodes,
deduplicates, registers devices, tracks status, commits each batch to SQLite, writes every
point to a real VictoriaMetrics (InfluxDB v2 protocol) and acknowledges each QoS 1 message
only once durable. Node-RED and the gateway are timed from their first message to the write
of their last point; paho to its last message. Prints msg/s of each, the gateway's ratios to
the others, loss (points found in VictoriaMetrics vs. sent: must be 0) and peak RSS.

    .venv/bin/python bench/ingest.py --messages 200000
    .venv/bin/python bench/ingest.py --messages 20000 --consumers paho,nodered
    .venv/bin/python bench/ingest.py --consumers gateway --profile /tmp/gateway.pyspy
    .venv/bin/python bench/ingest.py --consumers paho,gateway --databases postgres,postgres-ha

``--databases`` runs the gateway once per store, in the same run: SQLite (the default),
PostgreSQL, and PostgreSQL with ``ha.enabled`` (the lease's fence check on every commit).

Node-RED and node-red-contrib-influxdb are installed with npm on first use (nodered.py).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import paho.mqtt.client as mqtt
from common import (
    Mosquitto,
    VictoriaMetrics,
    create_session,
    message_mix,
    peak_rss_mb,
    preload,
    session_properties,
)
from nodered import run_nodered
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.gateway import Gateway, write_config
from tests.support.servers import Postgres


def bare_paho(url: str, n: int) -> float:
    """Seconds for a counting-only paho subscriber to drain n queued messages."""
    create_session(url, "bench-paho")
    return -1.0 if n == 0 else _drain_paho(url, n)


def _drain_paho(url: str, n: int) -> float:
    parts = urlsplit(url)
    done = threading.Event()
    count = 0
    first = 0.0

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        nonlocal count, first
        if count == 0:
            first = time.perf_counter()
        count += 1
        if count >= n:
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-paho", protocol=mqtt.MQTTv5)
    client.on_message = on_message
    client.connect(
        parts.hostname or "", parts.port or 1883, clean_start=False, properties=session_properties()
    )
    client.loop_start()
    if not done.wait(timeout=600):
        raise RuntimeError(f"paho received {count}/{n}")
    elapsed = time.perf_counter() - first
    client.disconnect()
    client.loop_stop()
    return elapsed


def processed(gateway: Gateway) -> int:
    m = gateway.metrics()
    accepted = sum(v for k, v in m.items() if k.startswith("siteguard_events_accepted_total"))
    rejected = sum(v for k, v in m.items() if k.startswith("siteguard_messages_rejected_total"))
    return int(accepted + rejected + m.get("siteguard_messages_duplicate_total", 0))


def written(gateway: Gateway) -> int:
    m = gateway.metrics()
    return int(sum(v for k, v in m.items() if k.startswith("siteguard_series_points_written")))


def run_gateway(
    workdir: Path,
    broker: Mosquitto,
    victoria: VictoriaMetrics,
    messages: list[tuple[str, bytes]],
    *,
    profile: Path | None = None,
    registered: bool = False,
    warm: bool = False,
    database: str = "sqlite",
) -> dict[str, float]:
    """Seconds from the gateway's first processed message until every message's point is
    written to VictoriaMetrics (as Node-RED is timed: to the write), and its peak RSS.
    ``registered``: the devices are in the registry before the run (as a street's are),
    rather than registered from their first message. ``warm``: every device has reported
    once before (a running street), and the gateway restarted since."""
    n = len(messages)
    workdir = workdir / database
    workdir.mkdir()
    database_url, postgres, extra = open_store(workdir, database)
    config = write_config(
        workdir / "gateway.toml",
        mqtt_url=broker.url,
        database_url=database_url,
        data_dir=workdir / "data",
        mqtt={"client_id": f"bench-gateway-{database}"},
        influx={"url": victoria.url, "api": "v2", "org": "bench", "bucket": "bench"},
        # Production defaults, not the quick settings of the tests; no per-building status
        # points, so that every point written is a message's.
        series={"flush_interval_s": 0.2, "status_every_s": 86400},
        devices={"status_flush_s": 5.0, "readings_min_interval_s": 60, "auto_register_max": 10**7},
        log={"level": "WARNING"},
        **extra,
    )
    gateway = Gateway(config, log_path=workdir / "gateway.log")
    gateway.start()  # creates the persistent sessions and the database
    gateway.stop()
    if registered:
        register(workdir / "bench.db", messages)
    warmed = warm_up(gateway, broker, messages) if warm else 0
    publish_s = preload(broker.url, messages)
    gateway.start(wait_ready=False)
    assert gateway.proc is not None
    spy = None
    if profile is not None:
        spy = subprocess.Popen(
            [str(Path(sys.executable).with_name("py-spy")), "record", "--nonblocking",
             "-r", "100", "-f", "raw", "-o", str(profile), "-p", str(gateway.proc.pid)],
        )  # fmt: skip
    first = None
    while True:
        try:
            if first is None and processed(gateway):
                first = time.perf_counter()
            count = written(gateway)
        except httpx.HTTPError:
            time.sleep(0.1)
            continue
        now = time.perf_counter()
        if count >= n:
            break
        time.sleep(0.1)  # polling /metrics costs the gateway too: not more often
    elapsed = now - (first or now)
    rss = peak_rss_mb(gateway.proc.pid)
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait()
    points = 0
    for _ in range(100):
        exported = victoria.export('{__name__=~"(gas|smoke|ebike)_count"}')
        points = int(sum(sum(s["values"]) for s in exported)) - warmed
        if points >= n:
            break
        time.sleep(0.2)
    gateway.stop()
    if postgres is not None:
        postgres.cleanup()
    return {"seconds": elapsed, "rss_mb": rss, "points": points, "publish_s": publish_s}


def open_store(
    workdir: Path, database: str
) -> tuple[str, Postgres | None, dict[str, dict[str, object]]]:
    """The database URL, the private PostgreSQL behind it if any, and config sections."""
    if database == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", None, {}
    postgres = Postgres(workdir / "pg")
    postgres.start()
    url = postgres.create_database("bench")
    extra = {"ha": {"enabled": True, "instance": "bench"}} if database == "postgres-ha" else {}
    return url, postgres, extra


def forget_points(victoria: VictoriaMetrics) -> None:
    """Between two gateway runs, so that each counts only its own points."""
    httpx.post(
        f"{victoria.url}/api/v1/admin/tsdb/delete_series",
        params={"match[]": '{__name__=~".+"}'},
        timeout=30,
    ).raise_for_status()


def register(database: Path, messages: list[tuple[str, bytes]]) -> None:
    """Every device the messages name, registered as an import would (not ``auto``)."""
    devices = {}
    for topic, _ in messages:
        _, _, building, device_type, device, _ = topic.split("/")
        devices[device] = (device_type, building)
    now = int(time.time() * 1000)
    with sqlite3.connect(database) as conn:
        conn.executemany(
            "INSERT INTO buildings (building_id, auto, created_ms, updated_ms) VALUES (?,0,?,?)",
            [(b, now, now) for b in sorted({b for _, b in devices.values()})],
        )
        conn.executemany(
            "INSERT INTO devices (device_id, device_type, building_id, auto, online, "
            "created_ms, updated_ms) VALUES (?,?,?,0,0,?,?)",
            [(d, t, b, now, now) for d, (t, b) in devices.items()],
        )
    print(f"registered {len(devices):,} devices before the run")


def warm_up(gateway: Gateway, broker: Mosquitto, messages: list[tuple[str, bytes]]) -> int:
    """One heartbeat from every device the messages name, processed by a running gateway,
    which is then stopped (gracefully: status flushed) for the timed run."""
    topics = sorted({topic.rsplit("/", 1)[0] for topic, _ in messages})
    heartbeats = [(f"{t}/heartbeat", b'{"type":"heartbeat"}') for t in topics]
    gateway.start()
    preload(broker.url, heartbeats)
    while processed(gateway) < len(heartbeats):
        time.sleep(0.2)
    gateway.stop()
    print(f"warmed up: {len(heartbeats):,} devices reported once, then the gateway restarted")
    return len(heartbeats)


CONSUMERS = ("paho", "nodered", "gateway")
DATABASES = ("sqlite", "postgres", "postgres-ha")


def database_list(value: str) -> list[str]:
    chosen = [c.strip() for c in value.split(",") if c.strip()]
    unknown = sorted(set(chosen) - set(DATABASES))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {','.join(DATABASES)}")
    return chosen


def consumer_list(value: str) -> list[str]:
    chosen = [c.strip() for c in value.split(",") if c.strip()]
    unknown = sorted(set(chosen) - set(CONSUMERS))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown consumer(s) {', '.join(unknown) or '(none)'}; "
            f"choose from {','.join(CONSUMERS)}"
        )
    return [c for c in CONSUMERS if c in chosen]  # always run in the same order


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument(
        "--consumers",
        type=consumer_list,
        default=list(CONSUMERS),
        help=f"comma-separated subset of {','.join(CONSUMERS)} (default: all; run in that order)",
    )
    parser.add_argument(
        "--profile", type=Path, help="record the gateway with py-spy (raw format) into this file"
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="every device reports once (untimed) and the gateway restarts before the run",
    )
    parser.add_argument(
        "--registered",
        action="store_true",
        help="register the devices before the run (default: from their first message)",
    )
    parser.add_argument(
        "--databases",
        type=database_list,
        default=["sqlite"],
        help=f"comma-separated, the gateway runs once per each: {','.join(DATABASES)}",
    )
    args = parser.parse_args()
    if args.registered and args.databases != ["sqlite"]:
        parser.error("--registered writes the registry with sqlite3: only with --databases sqlite")
    workdir = Path(tempfile.mkdtemp(prefix="sg-bench-"))
    broker = Mosquitto(workdir / "mosquitto")
    victoria = VictoriaMetrics(workdir / "victoria")
    broker.start()
    victoria.start()
    paho_s: float | None = None
    nr: dict[str, float] | None = None
    gw: dict[str, float] | None = None
    others: dict[str, dict[str, float]] = {}
    try:
        messages = message_mix(args.messages, devices=args.devices)
        n = len(messages)
        if "paho" in args.consumers:
            create_session(broker.url, "bench-paho")
            preload(broker.url, messages)
            paho_s = _drain_paho(broker.url, n)
        if "nodered" in args.consumers:
            nr = run_nodered(workdir, broker, victoria, messages)
        if "gateway" in args.consumers:
            for database in args.databases:
                result = run_gateway(
                    workdir,
                    broker,
                    victoria,
                    messages,
                    profile=args.profile,
                    registered=args.registered,
                    warm=args.warm,
                    database=database,
                )
                forget_points(victoria)
                gw = gw or result
                others[database] = result
    finally:
        broker.stop()
        victoria.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    report(n, args.devices, paho_s=paho_s, nr=nr, gw=gw, others=others)


def report(
    n: int,
    devices: int,
    *,
    paho_s: float | None,
    nr: dict[str, float] | None,
    gw: dict[str, float] | None,
    others: dict[str, dict[str, float]],
) -> None:
    print(f"messages: {n} from {devices} devices (70% gas readings, 20% heartbeats, 10% events)")
    paho_rate = nr_rate = gw_rate = None
    if paho_s is not None:
        paho_rate = n / paho_s
        print(f"bare paho subscriber (count only): {paho_rate:10,.0f} msg/s  ({paho_s:.2f} s)")
    if nr is not None:
        nr_rate = n / nr["seconds"]
        print(f"Node-RED flow (join, influxdb out):{nr_rate:10,.0f} msg/s  ({nr['seconds']:.2f} s)")
    if gw is not None:
        gw_rate = n / gw["seconds"]
        print(f"siteguard gateway (full pipeline): {gw_rate:10,.0f} msg/s  ({gw['seconds']:.2f} s)")
    if gw_rate is not None and paho_rate is not None:
        print(f"ratio gateway / bare paho:         {gw_rate / paho_rate:10.2f}")
    if gw_rate is not None and nr_rate is not None:
        print(f"ratio gateway / Node-RED:          {gw_rate / nr_rate:10.2f}")
    if len(others) > 1:
        first = next(iter(others.values()))
        for database, result in others.items():
            rate = n / result["seconds"]
            print(
                f"  gateway on {database:<12}          {rate:10,.0f} msg/s  "
                f"({rate / (n / first['seconds']):.2f}x the first; "
                f"loss {n - int(result['points'])}, RSS {result['rss_mb']:.0f} MB)"
            )
    if gw is not None:
        print(f"points in VictoriaMetrics:         {gw['points']:10,d}  (loss: {n - gw['points']})")
        print(f"gateway peak RSS:                  {gw['rss_mb']:10.0f} MB")
    if nr is not None:
        points = int(nr["points"])
        print(f"Node-RED points in VictoriaMetrics:{points:10,d}  (loss: {n - points})")
        print(
            f"Node-RED writes to VictoriaMetrics:{nr['writes']:10,.0f}  "
            f"(~{nr['written'] / max(nr['writes'], 1):,.0f} points each; "
            f"received {nr['received']:,.0f}, write errors {nr['errors']:.0f})"
        )
        print(f"Node-RED peak RSS:                 {nr['rss_mb']:10.0f} MB")


if __name__ == "__main__":
    main()
