"""Ingest benchmark: the gateway's full pipeline against a bare paho subscriber.

Both drain the same N queued messages from one Mosquitto (see common.py): the baseline only
counts them; the gateway decodes, deduplicates, registers devices, tracks status, commits
each batch to SQLite, writes every point to a real VictoriaMetrics (InfluxDB v2 protocol)
and acknowledges each QoS 1 message only once durable. Prints msg/s of both, their ratio,
loss (points found in VictoriaMetrics vs. sent: must be 0) and the gateway's peak RSS.

    .venv/bin/python bench/ingest.py --messages 200000
"""

from __future__ import annotations

import argparse
import shutil
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
    preload,
    session_properties,
)
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.gateway import Gateway, write_config


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


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_gateway(
    workdir: Path, broker: Mosquitto, victoria: VictoriaMetrics, messages: list[tuple[str, bytes]]
) -> dict[str, float]:
    n = len(messages)
    config = write_config(
        workdir / "gateway.toml",
        mqtt_url=broker.url,
        database_url=f"sqlite:///{workdir / 'bench.db'}",
        data_dir=workdir / "data",
        mqtt={"client_id": "bench-gateway"},
        influx={"url": victoria.url, "api": "v2", "org": "bench", "bucket": "bench"},
        # Production defaults, not the quick settings of the tests.
        series={"flush_interval_s": 0.2},
        devices={"status_flush_s": 0.5, "readings_min_interval_s": 60},
        log={"level": "WARNING"},
    )
    gateway = Gateway(config, log_path=workdir / "gateway.log")
    gateway.start()  # creates the persistent session
    gateway.stop()
    publish_s = preload(broker.url, messages)
    gateway.start(wait_ready=False)
    assert gateway.proc is not None
    first = None
    while True:
        try:
            count = processed(gateway)
        except httpx.HTTPError:
            time.sleep(0.02)
            continue
        now = time.perf_counter()
        if count and first is None:
            first = now
        if count >= n:
            break
        time.sleep(0.02)
    elapsed = now - (first or now)
    rss = peak_rss_mb(gateway.proc.pid)
    points = 0
    for _ in range(100):
        exported = victoria.export('{__name__=~"(gas|smoke|ebike)_count"}')
        points = int(sum(sum(s["values"]) for s in exported))
        if points >= n:
            break
        time.sleep(0.2)
    gateway.stop()
    return {"seconds": elapsed, "rss_mb": rss, "points": points, "publish_s": publish_s}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--devices", type=int, default=10_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sg-bench-"))
    broker = Mosquitto(workdir / "mosquitto")
    victoria = VictoriaMetrics(workdir / "victoria")
    broker.start()
    victoria.start()
    try:
        messages = message_mix(args.messages, devices=args.devices)
        n = len(messages)
        create_session(broker.url, "bench-paho")
        preload(broker.url, messages)
        paho_s = _drain_paho(broker.url, n)
        gw = run_gateway(workdir, broker, victoria, messages)
    finally:
        broker.stop()
        victoria.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    paho_rate = n / paho_s
    gw_rate = n / gw["seconds"]
    print(
        f"messages: {n} from {args.devices} devices (70% gas readings, 20% heartbeats, 10% events)"
    )
    print(f"bare paho subscriber (count only): {paho_rate:10,.0f} msg/s  ({paho_s:.2f} s)")
    print(f"siteguard gateway (full pipeline): {gw_rate:10,.0f} msg/s  ({gw['seconds']:.2f} s)")
    print(f"ratio gateway / bare paho:         {gw_rate / paho_rate:10.2f}")
    print(f"points in VictoriaMetrics:         {gw['points']:10,d}  (loss: {n - gw['points']})")
    print(f"gateway peak RSS:                  {gw['rss_mb']:10.0f} MB")


if __name__ == "__main__":
    main()
