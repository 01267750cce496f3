"""A background load generator: canonical telemetry at a fixed rate (QoS 0), for a while.

    python bench/load.py --url mqtt://127.0.0.1:1883 --rate 20000 --seconds 30
Prints how many messages it published and the rate it achieved.
"""

from __future__ import annotations

import argparse
import time
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from common import message_mix
from paho.mqtt.enums import CallbackAPIVersion


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, default=20_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    parts = urlsplit(args.url)
    messages = message_mix(50_000, seed=args.seed)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"load-{args.seed}")
    client.max_queued_messages_set(0)
    client.connect(parts.hostname or "", parts.port or 1883)
    client.loop_start()
    started = time.perf_counter()
    sent = 0
    while (elapsed := time.perf_counter() - started) < args.seconds:
        due = int(elapsed * args.rate)
        while sent < due:
            topic, payload = messages[sent % len(messages)]
            client.publish(topic, payload, qos=0)
            sent += 1
        time.sleep(0.001)
    elapsed = time.perf_counter() - started
    client.loop_stop()
    client.disconnect()
    print(f"{sent} {sent / elapsed:.0f}", flush=True)


if __name__ == "__main__":
    main()
