"""Sending simulated vendor messages as the platforms do: HTTP POSTs to the gateway's
``/api/v1/ingest/{adapter}``, paced like the MQTT publisher. Canonical messages in the same
stream still go to the broker (a street has both)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Iterable

import httpx
import msgspec

from simulators.message import PREFIX, SimMessage
from simulators.publish import Progress, Publisher, paced

_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


class PushError(Exception):
    pass


class HttpPusher:
    def __init__(
        self,
        api_url: str,
        *,
        secret: str | None = None,
        onenet_token: str | None = None,
        mqtt: Publisher | None = None,
        prefix: str = PREFIX,
    ) -> None:
        self._client = httpx.Client(base_url=api_url.rstrip("/"), timeout=30)
        self._secret = secret
        self._onenet_token = onenet_token
        self._mqtt = mqtt
        self._vendor = f"{prefix}/vendor/"

    def run(
        self,
        messages: Iterable[SimMessage],
        *,
        speed: float = 1.0,
        stop: threading.Event | None = None,
        progress: Progress | None = None,
    ) -> int:
        """POSTs each vendor message when due (canonical ones are published); returns how many
        were sent. A refused push stops the run with the gateway's reason."""
        sent = 0
        for message in paced(messages, speed=speed, stop=stop, progress=progress):
            if not message.topic.startswith(self._vendor):
                if self._mqtt is None:
                    raise PushError(f"a canonical message and no broker: {message.topic}")
                self._mqtt.run([message])
            else:
                adapter = message.topic[len(self._vendor) :].split("/", 1)[0]
                self.push(adapter, message.payload)
            sent += 1
        return sent

    def push(self, adapter: str, payload: bytes) -> None:
        headers = {"Content-Type": "application/json"}
        if adapter == "onenet" and self._onenet_token:
            payload = self.signed(payload, self._onenet_token)
        elif self._secret:
            headers["Authorization"] = f"Bearer {self._secret}"
        response = self._client.post(f"/api/v1/ingest/{adapter}", content=payload, headers=headers)
        if response.status_code != 200:
            raise PushError(f"{adapter} push refused: {response.status_code} {response.text[:300]}")

    @staticmethod
    def signed(payload: bytes, token: str) -> bytes:
        """OneNET's envelope, signed as the platform signs it."""
        msg = _encode(_decode(payload)["msg"])
        nonce = secrets.token_urlsafe(6)[:8]
        digest = hashlib.md5(token.encode() + nonce.encode() + msg).digest()  # noqa: S324 - OneNET's
        signature = base64.b64encode(digest).decode()
        return (
            b'{"msg":'
            + msg
            + b',"msg_signature":"'
            + signature.encode()
            + b'","nonce":"'
            + nonce.encode()
            + b'"}'
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpPusher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
