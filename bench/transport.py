"""Transport benchmark: which MQTT client library should ingest use?

Each candidate drains the same N queued QoS 1 messages from one Mosquitto (see common.py),
decoding every payload as JSON, in the acknowledgement mode the gateway needs: a PUBACK only
after the batch holding the message is "durable" (here: after the batch is processed).

    .venv/bin/python bench/transport.py --messages 100000
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiomqtt
import gmqtt
import msgspec
import paho.mqtt.client as mqtt
from common import Mosquitto, create_session, message_mix, preload, session_properties
from paho.mqtt.enums import CallbackAPIVersion

decode = msgspec.json.Decoder().decode


def gmqtt_async_on_message(url: str, n: int, client_id: str) -> float:
    """gmqtt's documented manual-ack mode: an async on_message per message (a task each)."""
    parts = urlsplit(url)

    async def main() -> float:
        loop = asyncio.get_running_loop()
        batch: list[bytes] = []
        durable = [loop.create_future()]
        wake = asyncio.Event()
        client = gmqtt.Client(
            client_id,
            clean_session=False,
            optimistic_acknowledgement=False,
            session_expiry_interval=3600,
        )

        async def on_message(_c: object, _t: str, payload: bytes, _q: int, _p: object) -> int:
            batch.append(payload)
            wake.set()
            await durable[0]
            return 0

        client.on_message = on_message
        await client.connect(parts.hostname, parts.port)
        started, count = time.perf_counter(), 0
        while count < n:
            await wake.wait()
            wake.clear()
            taken, done = batch[:], durable[0]
            batch.clear()
            durable[0] = loop.create_future()
            for payload in taken:
                decode(payload)
            done.set_result(None)
            count += len(taken)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.2)
        await client.disconnect()
        return elapsed

    return asyncio.run(main())


def gmqtt_batched_puback(url: str, n: int, client_id: str) -> float:
    """What gateway/ingest.py does: take QoS 1 packets from the handler, PUBACK per batch."""
    parts = urlsplit(url)

    async def main() -> float:
        client = gmqtt.Client(
            client_id,
            clean_session=False,
            optimistic_acknowledgement=False,
            session_expiry_interval=3600,
        )
        handler = client._package_handler
        batch: list[tuple[int, bytes]] = []
        wake = asyncio.Event()

        def on_qos1(mid: int, packet: bytes, _topic: str, _props: object) -> None:
            batch.append((mid, packet))
            wake.set()

        handler._handle_qos_1_publish_packet = on_qos1
        await client.connect(parts.hostname, parts.port)
        started, count = time.perf_counter(), 0
        while count < n:
            await wake.wait()
            wake.clear()
            taken = batch[:]
            batch.clear()
            for _mid, payload in taken:
                decode(payload)
            for mid, _payload in taken:
                handler._send_puback(mid)
            count += len(taken)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.2)
        await client.disconnect()
        return elapsed

    return asyncio.run(main())


def paho_manual_ack(url: str, n: int, client_id: str) -> float:
    """paho's network thread queues messages; the consumer acks each batch after processing."""
    parts = urlsplit(url)
    queue: collections.deque[tuple[int, bytes]] = collections.deque()
    ready = threading.Event()
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=True
    )

    def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        queue.append((message.mid, message.payload))
        ready.set()

    client.on_message = on_message
    client.connect(
        parts.hostname or "", parts.port or 1883, clean_start=False, properties=session_properties()
    )
    client.loop_start()
    started, count = time.perf_counter(), 0
    while count < n:
        ready.wait()
        ready.clear()
        taken = []
        while queue:
            taken.append(queue.popleft())
        for _mid, payload in taken:
            decode(payload)
        for mid, _payload in taken:
            client.ack(mid, 1)
        count += len(taken)
    elapsed = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    return elapsed


def aiomqtt_auto_ack(url: str, n: int, client_id: str) -> float:
    """aiomqtt has no public manual-ack API; shown with automatic acks, as an upper bound."""
    parts = urlsplit(url)

    async def main() -> float:
        async with aiomqtt.Client(
            parts.hostname or "",
            parts.port or 1883,
            identifier=client_id,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=False,
            properties=session_properties(),
        ) as client:
            started, count = time.perf_counter(), 0
            async for message in client.messages:
                decode(message.payload)  # type: ignore[arg-type]
                count += 1
                if count >= n:
                    break
            return time.perf_counter() - started

    return asyncio.run(main())


CANDIDATES: dict[str, Callable[[str, int, str], float]] = {
    "gmqtt, PUBACK per batch (ingest)": gmqtt_batched_puback,
    "gmqtt, async on_message": gmqtt_async_on_message,
    "paho-mqtt, manual ack": paho_manual_ack,
    "aiomqtt, automatic ack": aiomqtt_auto_ack,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sg-transport-"))
    broker = Mosquitto(workdir)
    broker.start()
    results = {}
    try:
        messages = message_mix(args.messages)
        for i, (name, consume) in enumerate(CANDIDATES.items()):
            client_id = f"transport-{i}"
            create_session(broker.url, client_id)
            preload(broker.url, messages)
            results[name] = args.messages / consume(broker.url, args.messages, client_id)
    finally:
        broker.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    best = max(results.values())
    print(f"draining {args.messages} queued QoS 1 messages, JSON decode included:")
    for name, rate in results.items():
        print(f"  {name:36s} {rate:10,.0f} msg/s  ({rate / best:4.2f} of best)")


if __name__ == "__main__":
    main()
