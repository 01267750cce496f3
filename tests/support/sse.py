"""Reading a Server-Sent Events stream in the background, as a browser would."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx


class SseReader:
    def __init__(self, url: str, *, token: str, last_event_id: str | None = None) -> None:
        self.events: list[dict[str, Any]] = []  # {"id", "event", "data"}
        self.comments: list[str] = []
        self.status: int | None = None
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        with (
            httpx.Client(timeout=httpx.Timeout(5, read=None)) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            self.status = response.status_code
            current: dict[str, Any] = {}
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif line.startswith("id: "):
                    current["id"] = line[4:]
                elif line.startswith("event: "):
                    current["event"] = line[7:]
                elif line.startswith("data: "):
                    current["data"] = json.loads(line[6:])
                elif line == "" and current:
                    self.events.append(current)
                    current = {}

    def wait(self, predicate: Any, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            time.sleep(0.02)
        raise TimeoutError(f"stream: {self.events[-5:]}")

    def close(self) -> None:
        self._stop.set()
