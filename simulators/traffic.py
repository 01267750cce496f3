"""Background traffic for the demo: a few buildings of devices reporting now and then."""

from __future__ import annotations

import asyncio
import json
import random
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

PREFIX = "siteguard/v1"


class DemoTraffic:
    def __init__(
        self, *, broker_url: str, seed: int, buildings: int = 3, per_type: int = 4
    ) -> None:
        self._url = urlsplit(broker_url)
        self._rng = random.Random(seed)
        self._devices = [
            (f"B{b:02d}", kind, f"{kind}-{b:02d}-{n:02d}")
            for b in range(1, buildings + 1)
            for kind in ("smoke", "gas", "ebike")
            for n in range(1, per_type + 1)
        ]

    async def run(self) -> None:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="siteguard-demo-devices")
        client.connect(self._url.hostname or "127.0.0.1", self._url.port or 1883)
        client.loop_start()
        try:
            while True:
                for building, kind, device in self._rng.sample(self._devices, 6):
                    topic, payload = self._message(building, kind, device)
                    client.publish(topic, json.dumps(payload), qos=1)
                await asyncio.sleep(1.0)
        finally:
            client.loop_stop()
            client.disconnect()

    def _message(self, building: str, kind: str, device: str) -> tuple[str, dict[str, object]]:
        rng = self._rng
        common = {"battery_pct": rng.randint(40, 100), "rssi": rng.randint(-110, -70)}
        if kind == "gas":
            payload = {"type": "reading", "lel_pct": round(rng.uniform(0, 6), 1), **common}
            return f"{PREFIX}/{building}/gas/{device}/telemetry", payload
        if kind == "ebike" and rng.random() < 0.3:
            payload = {"type": "ebike_detected", "confidence": round(rng.uniform(0.6, 0.99), 2)}
            return f"{PREFIX}/{building}/ebike/{device}/event", payload
        return f"{PREFIX}/{building}/{kind}/{device}/heartbeat", {"type": "heartbeat", **common}
