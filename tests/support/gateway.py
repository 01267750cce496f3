"""``siteguard run`` as a subprocess, the way an operator runs it."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import ROOT, free_port, wait_for

ADMIN_TOKEN = "test-admin-token-0123456789"


def write_config(
    path: Path, *, mqtt_url: str, database_url: str, data_dir: Path, **sections: dict[str, Any]
) -> Path:
    """A TOML config for one gateway; ``sections`` add or override keys per section."""
    base: dict[str, dict[str, Any]] = {
        "mqtt": {"url": mqtt_url, "client_id": f"sg-test-{os.getpid()}-{time.monotonic_ns()}"},
        "database": {"url": database_url},
        "api": {"port": free_port()},
        "auth": {"admin_token": ADMIN_TOKEN},
        "series": {"flush_interval_s": 0.1, "retry_min_s": 0.2, "retry_max_s": 1.0},
        "devices": {"status_flush_s": 0.2, "readings_min_interval_s": 0},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    lines = [f'data_dir = "{data_dir}"']
    for name, values in base.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml(value)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


class Gateway:
    def __init__(self, config: Path, *, log_path: Path, ca_file: Path | None = None) -> None:
        """``ca_file``: the API serves HTTPS with a certificate this CA signed."""
        self.config = config
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        text = config.read_text()
        self.port = int(text.split("[api]")[1].split("port = ")[1].split()[0])
        scheme = "https" if ca_file else "http"
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self.verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
        )

    def start(self, *, wait_ready: bool = True) -> Gateway:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "siteguard", "run", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,  # `-m` puts the working directory first on sys.path: no shadowing
            )
        if wait_ready:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited with {self.proc.returncode}:\n{self.log()}")
            return (
                httpx.get(f"{self.base}/healthz", timeout=1, verify=self.verify).status_code == 200
            )

        try:
            wait_for(ready, timeout=timeout, what="gateway /healthz")
        except TimeoutError:
            raise TimeoutError(f"gateway not ready:\n{self.log()}") from None

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM and wait: the graceful path."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        self.proc = None
        return code

    def kill(self) -> None:
        """SIGKILL: the crash path."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def get(self, path: str, *, token: str | None = ADMIN_TOKEN, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.get(
            f"{self.base}{path}", headers=headers, params=params, timeout=10, verify=self.verify
        )
        response.raise_for_status()
        return response.json()

    def call(
        self, method: str, path: str, *, token: str | None = ADMIN_TOKEN, **kwargs: Any
    ) -> httpx.Response:
        """Any request, as it comes back (tests look at statuses)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.request(
            method, f"{self.base}{path}", headers=headers, timeout=10, verify=self.verify, **kwargs
        )

    def metrics(self) -> dict[str, float]:
        """Prometheus samples as {'name{labels}': value}."""
        text = httpx.get(f"{self.base}/metrics", timeout=5, verify=self.verify).text
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                samples[name] = float(value)
        return samples

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except FileNotFoundError:
            return ""

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
