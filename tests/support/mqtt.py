"""Publishing from tests with paho-mqtt, QoS 1 and waiting for the broker's acknowledgement."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

PREFIX = "siteguard/v1"


class Publisher:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        self.client.max_inflight_messages_set(200)
        self.client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes | str | dict[str, Any], *, qos: int = 1) -> None:
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        info = self.client.publish(topic, payload, qos=qos)
        info.wait_for_publish(timeout=10)

    def publish_many(
        self, items: list[tuple[str, bytes | str | dict[str, Any]]], *, qos: int = 1
    ) -> None:
        infos = []
        for topic, payload in items:
            body = json.dumps(payload) if isinstance(payload, dict) else payload
            infos.append(self.client.publish(topic, body, qos=qos))
        for info in infos:
            info.wait_for_publish(timeout=30)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def topic(building: str, device_type: str, device: str, channel: str = "event") -> str:
    return f"{PREFIX}/{building}/{device_type}/{device}/{channel}"
