"""Request bodies bounded before anything reads them (413), and what the console may load.

Every route's body is read here, at most ``max_body_bytes`` of it (the ingest routes:
``ingest_max_bytes``; photo uploads: ``photo_max_bytes``), before the application parses
it: a 2 GB POST to any route costs at most the limit in memory, and its sender learns the
limit from the answer. A declared
``Content-Length`` over the limit is refused without reading a byte.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_INGEST = "/api/v1/ingest/"
_PHOTOS = ("/api/v1/photos", "/api/v1/public/photos")


@dataclass(frozen=True, kw_only=True)
class HttpLimits:
    """What the HTTP side accepts (``[api]`` and ``[ingest]`` in the configuration)."""

    max_body_bytes: int = 1024 * 1024
    ingest_max_bytes: int = 256 * 1024
    photo_max_bytes: int = 2 * 1024 * 1024
    docs: bool = True  # /docs and /openapi.json


# The console's own pages and scripts only: no inline script, no framing by other sites,
# no guessing of types, no referrer to anywhere. Inline styles are allowed: a report is shown
# in a srcdoc frame, which inherits this policy, and carries its own <style>.
SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data: blob:; "
        b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        b"frame-ancestors 'self'",
    ),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


class BodyLimit:
    def __init__(
        self, app: App, *, max_body_bytes: int, ingest_max_bytes: int, photo_max_bytes: int
    ) -> None:
        self._app = app
        self._max = max_body_bytes
        self._ingest_max = ingest_max_bytes
        self._photo_max = photo_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(_INGEST):
            limit = self._ingest_max
        elif path in _PHOTOS:
            limit = self._photo_max
        else:
            limit = self._max
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await _too_large(send, limit)
                return
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()  # after the body: the client's disconnect, when it comes

        await self._app(scope, replay, send)


class SecurityHeaders:
    def __init__(self, app: App) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self._app(scope, receive, with_headers)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"the request body may be at most {limit} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
