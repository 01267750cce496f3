"""Real servers for end-to-end tests, each on 127.0.0.1 and a free port, in a private folder.

A missing server binary skips the tests that need it, or fails them when
``SITEGUARD_REQUIRE_SERVICES=1`` (as in CI), so a CI machine without the servers can never
pass by skipping.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN_CANDIDATES = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def require_services() -> bool:
    return os.environ.get("SITEGUARD_REQUIRE_SERVICES") == "1"


def need_binary(name: str, *candidates: Path) -> str:
    found = shutil.which(name)
    if found is None:
        for path in candidates:
            if path.exists():
                found = str(path)
                break
    if found is None:
        message = f"{name} is not installed (apt-get install it, or run .ci/run)"
        if require_services():
            pytest.fail(message + " and SITEGUARD_REQUIRE_SERVICES=1")
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(
    check: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class ServerProcess:
    """A server that tests can stop and start again on the same port and data."""

    name = "server"
    user: str | None = None  # run as this user (PostgreSQL refuses root)

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"{self.name}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        return port_open(self.port)

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                user=self.user,
                group=self.user,
            )
        try:
            wait_for(self._ready_or_dead, timeout=30, what=f"{self.name} on port {self.port}")
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"{self.name} did not start:\n{self.log()}") from None

    def _ready_or_dead(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
        return self.ready()

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        wait_for(lambda: not port_open(self.port), timeout=10, what=f"{self.name} to close")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""


class Mosquitto(ServerProcess):
    """Mosquitto started from the shipped ``deploy/mosquitto/dev.conf``, with its own port.

    Its persistence file goes in a /tmp folder owned by the ``mosquitto`` user: started as
    root, Mosquitto drops to that user, which cannot write in pytest's folders (private to
    root); it would then fail to save on the way down ("Error saving in-memory database")
    and a restart would forget the gateway's session and what was queued for it."""

    name = "mosquitto"

    def __init__(self, workdir: Path) -> None:
        self.binary = need_binary("mosquitto", Path("/usr/sbin/mosquitto"))
        super().__init__(workdir)
        self.persistence = Path(tempfile.mkdtemp(prefix="sg-mosquitto-db-", dir="/tmp"))
        _give_to_mosquitto(self.persistence)
        conf = (ROOT / "deploy" / "mosquitto" / "dev.conf").read_text()
        conf = conf.replace("listener 1883 127.0.0.1", f"listener {self.port} 127.0.0.1")
        conf = conf.replace("/var/lib/mosquitto/", f"{self.persistence}/")
        (workdir / "mosquitto.conf").write_text(conf)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.persistence, ignore_errors=True)

    def command(self) -> list[str]:
        return [self.binary, "-c", str(self.workdir / "mosquitto.conf")]

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"


def _give_to_mosquitto(path: Path) -> None:
    if os.geteuid() != 0:
        return
    try:
        user = pwd.getpwnam("mosquitto")
    except KeyError:
        return
    for item in [path, *path.rglob("*")]:
        os.chown(item, user.pw_uid, user.pw_gid)


class SecureMosquitto(ServerProcess):
    """Mosquitto from the production ``deploy/mosquitto/mosquitto.conf`` (TLS, a password file
    per listener, the ACL), changing only its two ports (bound to 127.0.0.1) and its
    /etc/mosquitto/ and /var/lib/mosquitto/ folders, both this server's own folder. Put
    certs/{ca.crt,server.crt,server.key}, devices.passwd, gateway.passwd and acl in
    ``workdir`` before ``start``.

    The folder is made in /tmp, not pytest's (private to our user): Mosquitto started as
    root drops to the ``mosquitto`` user before it reads its password and ACL files."""

    name = "mosquitto-tls"

    def __init__(self) -> None:
        self.binary = need_binary("mosquitto", Path("/usr/sbin/mosquitto"))
        super().__init__(Path(tempfile.mkdtemp(prefix="sg-mosquitto-", dir="/tmp")))
        self.gateway_port = free_port()  # self.port is the device listener's
        conf = (ROOT / "deploy" / "mosquitto" / "mosquitto.conf").read_text()
        for old, new in {
            "\nlistener 8883\n": f"\nlistener {self.port} 127.0.0.1\n",
            "\nlistener 8884\n": f"\nlistener {self.gateway_port} 127.0.0.1\n",
            "/etc/mosquitto/": f"{self.workdir}/",
            "/var/lib/mosquitto/": f"{self.workdir}/",
        }.items():
            if old not in conf:
                raise RuntimeError(f"deploy/mosquitto/mosquitto.conf no longer has {old!r}")
            conf = conf.replace(old, new)
        (self.workdir / "mosquitto.conf").write_text(conf)

    def command(self) -> list[str]:
        return [self.binary, "-c", str(self.workdir / "mosquitto.conf")]

    def start(self) -> None:
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("mosquitto")
            except KeyError:
                pass
            else:
                for path in [self.workdir, *self.workdir.rglob("*")]:
                    os.chown(path, user.pw_uid, user.pw_gid)
        super().start()

    def ready(self) -> bool:
        return port_open(self.port) and port_open(self.gateway_port)

    @property
    def url(self) -> str:
        """The device listener."""
        return f"mqtts://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"mqtts://127.0.0.1:{self.gateway_port}"

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class VictoriaMetrics(ServerProcess):
    """Accepts InfluxDB v2 writes (``/api/v2/write``); read back through its export API."""

    name = "victoria-metrics"

    def __init__(self, workdir: Path) -> None:
        self.binary = need_binary("victoria-metrics")
        super().__init__(workdir)

    def command(self) -> list[str]:
        return [
            self.binary,
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-storageDataPath={self.workdir / 'data'}",
            "-retentionPeriod=100y",
            "-search.disableCache",
        ]

    def ready(self) -> bool:
        return httpx.get(f"{self.url}/health", timeout=1).status_code == 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def export(self, match: str) -> list[dict[str, Any]]:
        """Every sample of the series matching ``match`` (after making recent writes searchable)."""
        httpx.get(f"{self.url}/internal/force_flush", timeout=10)
        response = httpx.get(
            f"{self.url}/api/v1/export",
            params={"match[]": match, "start": "0"},
            timeout=30,
        )
        response.raise_for_status()
        import json

        return [json.loads(line) for line in response.text.splitlines() if line.strip()]


class Influx1(ServerProcess):
    """Debian's InfluxDB 1.6: ``/write`` in, InfluxQL out."""

    name = "influxd"

    def __init__(self, workdir: Path, database: str = "siteguard") -> None:
        self.binary = need_binary("influxd")
        super().__init__(workdir)
        self.database = database
        self.rpc_port = free_port()
        (workdir / "influxdb.conf").write_text(
            f"""
reporting-disabled = true
bind-address = "127.0.0.1:{self.rpc_port}"
[meta]
  dir = "{workdir}/meta"
[data]
  dir = "{workdir}/data"
  wal-dir = "{workdir}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{self.port}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
"""
        )

    def command(self) -> list[str]:
        return [self.binary, "-config", str(self.workdir / "influxdb.conf")]

    def ready(self) -> bool:
        return httpx.get(f"{self.url}/ping", timeout=1).status_code == 204

    def start(self) -> None:
        super().start()
        self.query(f'CREATE DATABASE "{self.database}"', method="POST")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def query(self, q: str, *, method: str = "GET") -> list[dict[str, Any]]:
        params = {"q": q, "db": self.database, "epoch": "ms"}
        response = httpx.request(method, f"{self.url}/query", params=params, timeout=30)
        response.raise_for_status()
        results: list[dict[str, Any]] = response.json()["results"]
        return results


class Postgres(ServerProcess):
    """A private PostgreSQL cluster (run as the postgres user when we are root)."""

    name = "postgres"

    def __init__(self, workdir: Path) -> None:
        initdb = need_binary("initdb", *(p / "initdb" for p in PG_BIN_CANDIDATES))
        self.bin = Path(initdb).parent
        # PostgreSQL refuses to run as root and needs a folder its user can reach.
        workdir = Path(tempfile.mkdtemp(prefix="sg-pg-", dir="/tmp"))
        super().__init__(workdir)
        self.data = workdir / "data"
        self.user: str | None = None
        if os.geteuid() == 0:
            shutil.chown(workdir, "postgres", "postgres")
            self.user = "postgres"
        subprocess.run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            user=self.user,
            group=self.user,
        )
        self.log_path = workdir / "postgres.log"

    def command(self) -> list[str]:
        return [
            str(self.bin / "postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-k",
            str(self.workdir),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
        ]

    def start(self) -> None:
        super().start()
        wait_for(self._accepts, timeout=30, what="postgres to accept connections")

    def _accepts(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres") as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError:
            return False  # starting up, or replaying its WAL after a stop ("not yet accepting")
        return True

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
