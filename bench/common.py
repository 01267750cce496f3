"""Shared by the benchmarks: a private Mosquitto, a realistic message mix, and preloading.

Consumers are compared by *draining* the same queue: the messages are published into a
persistent session while its consumer is away, then the consumer connects and we time how
fast it empties the queue. That measures the consumer alone, not the publisher's speed.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import Mosquitto, VictoriaMetrics  # noqa: E402

PREFIX = "siteguard/v1"

__all__ = [
    "PREFIX",
    "Mosquitto",
    "VictoriaMetrics",
    "create_session",
    "message_mix",
    "peak_rss_mb",
    "preload",
    "session_properties",
]


def message_mix(n: int, *, devices: int = 10_000, seed: int = 1) -> list[tuple[str, bytes]]:
    """A street's traffic: 70 % gas readings, 20 % heartbeats, 10 % events (with ids)."""
    rng = random.Random(seed)
    now = int(time.time() * 1000)
    out = []
    for i in range(n):
        d = rng.randrange(devices)
        building = f"B{d // 50:03d}"
        roll = rng.random()
        if roll < 0.70:
            payload = {
                "type": "reading",
                "lel_pct": round(rng.uniform(0, 8), 1),
                "battery_pct": rng.randint(30, 100),
                "rssi": rng.randint(-115, -70),
                "ts": now - (n - i),
            }
            topic = f"{PREFIX}/{building}/gas/gas-{d:05d}/telemetry"
        elif roll < 0.90:
            kind = rng.choice(("smoke", "ebike"))
            payload = {
                "type": "heartbeat",
                "battery_pct": rng.randint(30, 100),
                "rssi": rng.randint(-115, -70),
            }
            topic = f"{PREFIX}/{building}/{kind}/{kind}-{d:05d}/heartbeat"
        else:
            payload = {
                "type": "ebike_detected",
                "confidence": round(rng.uniform(0.3, 0.7), 2),
                "id": f"ev-{i}",
            }
            topic = f"{PREFIX}/{building}/ebike/ebike-{d:05d}/event"
        out.append((topic, json.dumps(payload).encode()))
    return out


def peak_rss_mb(pid: int) -> float:
    """A running process's peak resident set size (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def session_properties() -> Properties:
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    return props


def create_session(url: str, client_id: str, topic: str = f"{PREFIX}/#") -> None:
    """Make the broker hold a persistent session with a QoS 1 subscription for ``client_id``."""
    parts = urlsplit(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.connect(
        parts.hostname or "", parts.port or 1883, clean_start=False, properties=session_properties()
    )
    client.loop_start()
    client.subscribe(topic, qos=1)
    time.sleep(0.3)
    client.disconnect()
    client.loop_stop()


def preload(url: str, messages: list[tuple[str, bytes]]) -> float:
    """Publish everything at QoS 1 (only QoS 1 is queued for an absent session)."""
    parts = urlsplit(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{time.monotonic_ns()}")
    client.max_inflight_messages_set(1000)
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
    client.loop_start()
    started = time.perf_counter()
    last = None
    for i, (topic, payload) in enumerate(messages):
        last = client.publish(topic, payload, qos=1)
        if i % 2000 == 1999:
            last.wait_for_publish(timeout=60)
    if last is not None:
        last.wait_for_publish(timeout=60)
    elapsed = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    return elapsed
