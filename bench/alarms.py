"""Alarm benchmark.

1. The rule engine alone: canonical events per second through ``alerting.engine.Engine``
   (a street's mix, with alarms, detections and their timers), in this process.
2. Alarm latency under load: the whole gateway (in this process, on a private Mosquitto and
   VictoriaMetrics) takes ``--rate`` msg/s of background telemetry from a separate
   publisher while pairs of smoke alarms are published; the latency of each is the time
   from its publish to the alarm change appearing in the event hub (what the console's
   stream and the notifiers are fed from). Prints p50/p99 and the background rate achieved.

    .venv/bin/python bench/alarms.py --rate 20000 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
from common import PREFIX, Mosquitto, VictoriaMetrics
from paho.mqtt.enums import CallbackAPIVersion

from adapters.events import Event
from alerting.engine import Engine
from siteguard.app import Service
from siteguard.config import AlertingConfig, DevicesConfig, NotifyConfig, Settings
from siteguard.ids import IdFactory


def engine_rate(n: int, *, storm: bool) -> float:
    """Events/s through the engine. ``storm``: a quarter of all messages alarm (worst case);
    otherwise a street's day, where about one message in 500 is an alarm or a clear."""
    rng = random.Random(3)
    alarming = 0.25 if storm else 0.002
    t0 = 1_790_000_000_000
    events = []
    for i in range(n):
        d = rng.randrange(10_000)
        b = f"B{d // 50:03d}"
        now = t0 + i * 2  # 500 events per simulated second
        roll = rng.random()
        alarm = rng.random() < alarming
        if roll < 0.6:
            level = 27.0 if alarm else rng.uniform(0, 8)
            kw: dict[str, Any] = {"device_type": "gas", "type": "reading", "lel_pct": level}
        elif roll < 0.8:
            kind = rng.choice(["alarm", "alarm_clear"]) if alarm else "heartbeat"
            kw = {"device_type": "smoke", "type": kind}
        else:
            confidence = rng.uniform(0.8, 1) if alarm else rng.uniform(0, 0.8)
            kw = {"device_type": "ebike", "type": "ebike_detected", "confidence": confidence}
        events.append(
            Event(
                building_id=b, device_id=f"d{d}", received_ms=now, ts_ms=now, battery_pct=50.0, **kw
            )
        )
    engine = Engine(
        rules=AlertingConfig(), devices=DevicesConfig(), notify=NotifyConfig(), ids=IdFactory()
    )
    started = time.perf_counter()
    for event in events:
        engine.on_event(event)
        if len(engine.book.changes) > 1000:
            engine.take_changes()
            engine.take_states()
    return n / (time.perf_counter() - started)


async def latency(
    broker: Mosquitto, victoria: VictoriaMetrics, workdir: Path, rate: float, seconds: float
) -> dict[str, float]:
    settings = Settings(
        data_dir=workdir / "data",
        mqtt={"url": broker.url, "client_id": "bench-alarms"},  # type: ignore[arg-type]
        database={"url": f"sqlite:///{workdir / 'alarms.db'}"},  # type: ignore[arg-type]
        influx={"url": victoria.url, "api": "v2", "org": "bench", "bucket": "bench"},  # type: ignore[arg-type]
        api={"port": 0},  # type: ignore[arg-type]
        log={"level": "WARNING"},  # type: ignore[arg-type]
    )
    service = Service(settings=settings)
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    await service.ready.wait()
    await asyncio.sleep(1.0)
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}

    async def listen() -> None:
        async with service.hub.subscribe() as queue:
            while True:
                event = await queue.get()
                if event is None:
                    continue
                data = event.data
                if data["kind"] == "smoke" and data["count"] == 1 and data["device_id"] in sent:
                    seen.setdefault(data["device_id"], time.time())

    listener = asyncio.create_task(listen())
    # The simulators' load mode, in a process of its own.
    load = subprocess.Popen(
        [
            sys.executable, "-m", "siteguard", "simulate", "--broker", broker.url,
            "--buildings", "200", "--devices-per-building", "50", "--rate", str(rate),
            "--duration", str(seconds), "--qos", "0", "--seed", "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip

    def alarms() -> None:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-alarm-publisher")
        host, port = broker.url.removeprefix("mqtt://").split(":")
        client.connect(host, int(port))
        client.loop_start()
        time.sleep(1.0)
        deadline = time.monotonic() + seconds - 2
        i = 0
        while time.monotonic() < deadline:
            device = f"lat-{i}"
            sent[device] = time.time()
            client.publish(f"{PREFIX}/LAT{i:05d}/smoke/{device}/event", b'{"type":"alarm"}', qos=1)
            i += 1
            time.sleep(0.2)
        client.loop_stop()
        client.disconnect()

    await asyncio.to_thread(alarms)
    out, _ = await asyncio.to_thread(load.communicate)
    await asyncio.sleep(2.0)
    listener.cancel()
    stop.set()
    await task
    done = out.strip().splitlines()[-1]  # "done: N messages in T s (R msg/s)"
    published, achieved = done.split()[1], done.split("(")[1].split()[0]
    delays = np.array([(seen[d] - sent[d]) * 1000 for d in sent if d in seen])
    return {
        "samples": float(len(delays)),
        "missing": float(len(sent) - len(delays)),
        "p50": float(np.percentile(delays, 50)),
        "p99": float(np.percentile(delays, 99)),
        "max": float(delays.max()),
        "background": float(achieved),
        "background_total": float(published),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=20_000)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    street = engine_rate(args.events, storm=False)
    storm = engine_rate(args.events, storm=True)
    print(
        f"rule engine alone: {street:,.0f} events/s (a street's mix), {storm:,.0f} events/s "
        f"(alarm storm: a quarter of messages alarm), {args.events} events each"
    )
    workdir = Path(tempfile.mkdtemp(prefix="sg-alarms-"))
    broker = Mosquitto(workdir / "mosquitto")
    victoria = VictoriaMetrics(workdir / "victoria")
    broker.start()
    victoria.start()
    try:
        result = asyncio.run(latency(broker, victoria, workdir, args.rate, args.seconds))
    finally:
        broker.stop()
        victoria.stop()
    print(
        f"background telemetry achieved: {result['background']:,.0f} msg/s "
        f"({result['background_total']:,.0f} messages, target {args.rate:,.0f})"
    )
    print(
        "alarm latency, publish -> event hub: "
        f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, max {result['max']:.1f} ms "
        f"({result['samples']:.0f} alarms, {result['missing']:.0f} missing)"
    )


if __name__ == "__main__":
    main()
