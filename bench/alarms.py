"""Alarm benchmark.

1. The rule engine alone: canonical events per second through ``alerting.rule_engine.Engine``
   (a street's mix, with alarms, detections and their timers), in this process.
2. Alarm latency under load: the whole gateway (in this process, on a private Mosquitto and
   VictoriaMetrics) takes ``--rate`` msg/s of background telemetry from a separate
   publisher while pairs of smoke alarms are published; the latency of each is the time
   from its publish to the alarm change appearing in the event hub (what the console's
   stream and the notifiers are fed from). Prints p50/p99 and the background rate achieved.
   The telemetry and the alarms come from processes of their own.
3. A fire during a backlog: ``--backlog`` readings queued for the stopped gateway's session,
   the gateway started, and a two-detector fire published at once: the time from its
   publication to the fire in the event hub, and how much of the backlog was left then.

    .venv/bin/python bench/alarms.py --rate 20000 --seconds 30 --backlog 300000
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

import httpx
import numpy as np
from common import PREFIX, Mosquitto, VictoriaMetrics, preload

from adapters.events import Event
from alerting.rule_engine import RuleEngine
from core.config import AlertingConfig, DevicesConfig, NotifyConfig, Settings
from core.ids import IdFactory
from gateway.shapes.alarm import AlarmObject
from siteguard.app import Service

ALARM_PUBLISHER = """
import sys, time
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
host, port = sys.argv[1].removeprefix("mqtt://").split(":")
client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-alarm-publisher")
client.connect(host, int(port))
client.loop_start()
time.sleep(1.0)
deadline = time.monotonic() + float(sys.argv[2])
i = 0
while time.monotonic() < deadline:
    device = f"lat-{i}"
    at = time.time()
    client.publish(f"siteguard/v1/LAT{i:05d}/smoke/{device}/event", b'{"type":"alarm"}', qos=1)
    print(device, at, flush=True)
    i += 1
    time.sleep(0.2)
client.loop_stop()
client.disconnect()
"""


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
    engine = RuleEngine(
        rules=AlertingConfig(),
        devices=DevicesConfig(),
        repeat_critical_s=NotifyConfig().repeat_critical_s,
        ids=IdFactory(),
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
        devices={"auto_register_max": 10**6},  # type: ignore[arg-type]  # registered from topics
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
                if (
                    isinstance(data, AlarmObject)
                    and data.kind == "smoke"
                    and data.count == 1
                    and (data.device_id or "").startswith("lat-")
                ):
                    seen.setdefault(data.device_id or "", time.time())

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

    # The alarms come from a process of their own too, so that publishing them costs the
    # gateway's process nothing; each line it prints is "device publish-time".
    alarm_publisher = subprocess.Popen(
        [sys.executable, "-c", ALARM_PUBLISHER, broker.url, str(seconds - 2)],
        stdout=subprocess.PIPE,
        text=True,
    )

    lines, _ = await asyncio.to_thread(alarm_publisher.communicate)
    for line in lines.splitlines():
        device, at = line.split()
        sent[device] = float(at)
    out, _ = await asyncio.to_thread(load.communicate)
    await asyncio.sleep(2.0)
    if listener.done() and listener.exception() is not None:
        raise RuntimeError("the hub listener failed") from listener.exception()
    listener.cancel()
    stop.set()
    await task
    done = out.strip().splitlines()[-1]  # "done: N messages in T s (R msg/s)"
    published, achieved = done.split()[1], done.split("(")[1].split()[0]
    delays = np.array([(seen[d] - sent[d]) * 1000 for d in sent if d in seen])
    if not len(delays):
        raise RuntimeError(f"none of the {len(sent)} alarms reached the event hub")
    return {
        "samples": float(len(delays)),
        "missing": float(len(sent) - len(delays)),
        "p50": float(np.percentile(delays, 50)),
        "p99": float(np.percentile(delays, 99)),
        "max": float(delays.max()),
        "background": float(achieved),
        "background_total": float(published),
    }


FIRE_PUBLISHER = """
import sys, time
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
host, port = sys.argv[1].removeprefix("mqtt://").split(":")
client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-fire-publisher")
client.connect(host, int(port))
client.loop_start()
at = time.time()
for detector in ("s1", "s2"):
    client.publish(f"siteguard/v1/FIRE/smoke/{detector}/event", b'{"type":"alarm"}', qos=1)
print(at, flush=True)
time.sleep(0.5)
client.loop_stop()
client.disconnect()
"""


async def backlog(broker: Mosquitto, workdir: Path, n: int) -> dict[str, float]:
    """A two-detector fire published while ``n`` queued readings drain: seconds from its
    publication to the fire in the event hub, and how much of the backlog was left then."""
    settings = Settings(
        data_dir=workdir / "backlog-data",
        mqtt={"url": broker.url, "client_id": "bench-backlog"},  # type: ignore[arg-type]
        database={"url": f"sqlite:///{workdir / 'backlog.db'}"},  # type: ignore[arg-type]
        api={"port": 0},  # type: ignore[arg-type]
        log={"level": "WARNING"},  # type: ignore[arg-type]
        devices={"auto_register_max": 10**6},  # type: ignore[arg-type]  # registered from topics
    )

    async def started() -> tuple[Service, asyncio.Event, asyncio.Task[None]]:
        service = Service(settings=settings)
        stop = asyncio.Event()
        task = asyncio.create_task(service.run(stop))
        await service.ready.wait()
        url = f"http://127.0.0.1:{service.api_port}/healthz"
        async with httpx.AsyncClient() as client:
            while (await client.get(url)).status_code != 200:
                await asyncio.sleep(0.05)
        return service, stop, task

    service, stop, task = await started()  # creates the persistent sessions
    stop.set()
    await task
    readings = [
        (f"{PREFIX}/B{i % 200:03d}/gas/gas-{i % 10_000:05d}/telemetry",
         b'{"type":"reading","lel_pct":1.5,"battery_pct":80}')
        for i in range(n)
    ]  # fmt: skip
    await asyncio.to_thread(preload, broker.url, readings)
    service, stop, task = await started()
    fire_at: list[float] = []

    async def listen() -> None:
        async with service.hub.subscribe() as queue:
            while True:
                event = await queue.get()
                data = None if event is None else event.data
                if isinstance(data, AlarmObject) and data.kind == "fire":
                    fire_at.append(time.time())
                    return

    listener = asyncio.create_task(listen())
    publisher = await asyncio.create_subprocess_exec(
        sys.executable, "-c", FIRE_PUBLISHER, broker.url, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await publisher.communicate()
    published = float(out.decode().split()[0])
    await asyncio.wait_for(listener, 60)
    left = n - int(service.metrics.accepted.labels("gas")._value.get())
    drained = time.perf_counter()
    while service.metrics.accepted.labels("gas")._value.get() < n:
        await asyncio.sleep(0.05)
    drain_s = time.perf_counter() - drained
    stop.set()
    await task
    return {"fire_s": fire_at[0] - published, "left": float(left), "rest_s": drain_s}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=20_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--backlog", type=int, default=300_000, help="readings queued (0: skip)")
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
        queued = asyncio.run(backlog(broker, workdir, args.backlog)) if args.backlog else None
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
    if queued is not None:
        print(
            f"fire during a backlog of {args.backlog:,} queued readings: in the event hub "
            f"{queued['fire_s'] * 1000:.0f} ms after it was published, with "
            f"{queued['left']:,.0f} readings still to go (drained {queued['rest_s']:.1f} s later)"
        )


if __name__ == "__main__":
    main()
