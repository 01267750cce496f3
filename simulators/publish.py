"""Publishing simulated messages to a broker in (scaled) real time, with progress."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from simulators.message import SimMessage

Progress = Callable[[int, float], None]  # (messages sent, seconds elapsed)


def paced(
    messages: Iterable[SimMessage],
    *,
    speed: float = 1.0,
    origin_ms: int | None = None,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
    progress_every_s: float = 5.0,
) -> Iterator[SimMessage]:
    """Yields each message when its time comes (``at_ms`` after ``origin_ms``, or after the
    first message, divided by ``speed``), until ``stop`` is set."""
    started = time.monotonic()
    first: int | None = origin_ms
    next_report = progress_every_s
    for sent, message in enumerate(messages, start=1):
        if stop is not None and stop.is_set():
            return
        if first is None:
            first = message.at_ms
        due = (message.at_ms - first) / 1000 / speed
        delay = due - (time.monotonic() - started)
        if delay > 0:
            if stop is not None:
                if stop.wait(delay):
                    return
            else:
                time.sleep(delay)
        yield message
        elapsed = time.monotonic() - started
        if progress is not None and elapsed >= next_report:
            progress(sent, elapsed)
            next_report += progress_every_s


class Publisher:
    def __init__(
        self,
        url: str,
        *,
        client_id: str,
        username: str | None = None,
        password: str | None = None,
        ca_file: str | Path | None = None,
    ) -> None:
        """``ca_file``: the CA that signed the broker's certificate, for ``mqtts://`` with a
        site's private CA (deploy/mosquitto/make-certs.sh); the system's CAs otherwise."""
        parts = urlsplit(url)
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self._client.max_inflight_messages_set(1000)
        self._client.max_queued_messages_set(0)
        if username:
            self._client.username_pw_set(username, password)
        if parts.scheme == "mqtts":
            self._client.tls_set(ca_certs=str(ca_file) if ca_file else None)
        self._client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self._client.loop_start()

    def run(
        self,
        messages: Iterable[SimMessage],
        *,
        speed: float = 1.0,
        origin_ms: int | None = None,
        stop: threading.Event | None = None,
        progress: Progress | None = None,
        progress_every_s: float = 5.0,
    ) -> int:
        """Publish each message when its time comes (``at_ms`` after ``origin_ms``, or after
        the first message, divided by ``speed``); return how many were sent. Waits for the
        QoS 1 acknowledgements at the end."""
        last_info = None
        sent = 0
        for message in paced(
            messages,
            speed=speed,
            origin_ms=origin_ms,
            stop=stop,
            progress=progress,
            progress_every_s=progress_every_s,
        ):
            info = self._client.publish(message.topic, message.payload, qos=message.qos)
            if message.qos:
                last_info = info
            sent += 1
        if last_info is not None:
            last_info.wait_for_publish(timeout=30)
        return sent

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
