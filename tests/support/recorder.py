"""A local HTTP server that records what it receives, and can fail on purpose."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Recorder:
    """``fail_first`` requests get ``fail_status``; ``delay_s`` slows every answer; ``body`` is
    what a successful answer says (robot APIs answer 200 with an error code inside)."""

    def __init__(
        self,
        *,
        fail_first: int = 0,
        fail_status: int = 500,
        delay_s: float = 0.0,
        body: bytes = b'{"ok": true}',
    ) -> None:
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.delay_s = delay_s
        self.body = body
        self.attempts: list[dict[str, Any]] = []  # every request, failed or not
        self.received: list[dict[str, Any]] = []  # requests answered with success
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                request = {"path": self.path, "headers": dict(self.headers), "body": body}
                with recorder._lock:
                    recorder.attempts.append(request)
                    failing = len(recorder.attempts) <= recorder.fail_first
                    if not failing:
                        recorder.received.append(request)
                if recorder.delay_s:
                    threading.Event().wait(recorder.delay_s)
                status = recorder.fail_status if failing else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(recorder.body if not failing else b'{"error": "try later"}')
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def json_bodies(self) -> list[Any]:
        with self._lock:
            return [json.loads(r["body"]) for r in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
