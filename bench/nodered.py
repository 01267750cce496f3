"""Node-RED 4 as an ingest consumer: a plain flow that does what a hand-built pipeline would.

    mqtt in (QoS 1, persistent MQTT v5 session) -> function (JSON -> [fields, tags])
        -> join (1000 points or 1 s) -> influxdb out (InfluxDB v2 API, to VictoriaMetrics)

The flow times itself: the function node stores the time of the first message in global
context, and a ``complete`` node on ``influxdb out`` (done() once its flush resolved) counts
written points and stores the time the count reaches N. An ``http in`` endpoint exposes
``{first_ms, last_ms, received, written, errors, probes}``, which the harness polls; loss is
checked by reading the points back from VictoriaMetrics.

Two properties of the stack matter when reading the numbers:

* Node-RED's MQTT client (MQTT.js) sends PUBACK as soon as a message is received, before
  the flow has done anything with it: a crash loses whatever sits in the join.
* node-red-contrib-influxdb 0.7.0 writes through the InfluxDB client's write buffer, whose
  default batch size is 1000. Adding the 1000th point makes the client send the batch itself,
  without awaiting it, and the node's flush(true) then finds an empty buffer and resolves at
  once. So for full 1000-point batches done() (and the ``complete`` node) fires when the write
  is *sent*, not when VictoriaMetrics has answered; only smaller batches (the tail flushed by
  the join's timeout) are awaited, and write errors of full batches never reach ``catch``.
  The time therefore leaves out the latency of the last write.

Node-RED and node-red-contrib-influxdb are installed on demand with npm into a cache
directory outside the repository (``$XDG_CACHE_HOME/siteguard-bench/node-red``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import paho.mqtt.client as mqtt
from common import PREFIX, Mosquitto, VictoriaMetrics, peak_rss_mb, preload
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.servers import free_port, wait_for

PACKAGES = ("node-red@4", "node-red-contrib-influxdb@0.7.0")
CLIENT_ID = "bench-nodered"
MEASUREMENT = "nodered"
SESSION_EXPIRY_S = 3600
JOIN_COUNT = 1000
JOIN_TIMEOUT_S = 1
PROBE_TOPIC = f"{PREFIX}/_probe"
STATS_PATH = "/bench/stats"

# Node-RED's function nodes (JavaScript). The probe topic lets the harness see that the
# subscription is live without the probe ever reaching the join or VictoriaMetrics.
PARSE_JS = """\
if (msg.topic === %(probe)s) {
    global.set("probes", (global.get("probes") || 0) + 1);
    return null;
}
const received = (global.get("received") || 0) + 1;
global.set("received", received);
if (received === 1) {
    global.set("first_ms", Date.now());
}
const data = JSON.parse(msg.payload);
// siteguard/v1/{building}/{device_type}/{device}/{channel}
const parts = msg.topic.split("/");
const fields = {count: 1};
for (const key of ["lel_pct", "battery_pct", "rssi", "confidence"]) {
    if (typeof data[key] === "number") {
        fields[key] = data[key];
    }
}
msg.payload = [fields, {building: parts[2], device: parts[4], type: parts[3]}];
return msg;
"""

WRITTEN_JS = """\
const written = (global.get("written") || 0) + msg.payload.length;
global.set("written", written);
if (written >= %(target)d && !global.get("last_ms")) {
    global.set("last_ms", Date.now());
}
return null;
"""

ERROR_JS = """\
global.set("errors", (global.get("errors") || 0) + 1);
return null;
"""

STATS_JS = """\
msg.payload = {};
for (const key of ["first_ms", "last_ms", "received", "written", "errors", "probes"]) {
    msg.payload[key] = global.get(key) || 0;
}
return msg;
"""

SETTINGS_JS = """\
module.exports = {
    flowFile: "flows.json",
    credentialSecret: false,
    uiHost: "127.0.0.1",
    uiPort: %(port)d,
    httpAdminRoot: false,
    httpNodeRoot: "/",
    disableEditor: true,
    diagnostics: {enabled: false, ui: false},
    telemetry: {enabled: false},
    externalModules: {autoInstall: false, palette: {allowInstall: false}},
    logging: {console: {level: "warn", metrics: false, audit: false}},
    contextStorage: {default: {module: "memory"}},
};
"""


def install_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "siteguard-bench" / "node-red"


def _installed_version(prefix: Path, package: str) -> str | None:
    try:
        meta = json.loads((prefix / "node_modules" / package / "package.json").read_text())
    except (OSError, ValueError):
        return None
    version = meta.get("version")
    return version if isinstance(version, str) else None


def ensure_installed(prefix: Path | None = None) -> Path:
    """Path of node-red's red.js, installing the packages with npm unless already present."""
    prefix = prefix or install_dir()
    node_red = _installed_version(prefix, "node-red") or ""
    influxdb = _installed_version(prefix, "node-red-contrib-influxdb")
    if not (node_red.startswith("4.") and influxdb == "0.7.0"):
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed (Node.js 20 or later is needed)")
        prefix.mkdir(parents=True, exist_ok=True)
        print(f"installing {' '.join(PACKAGES)} into {prefix} ...", flush=True)
        subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", *PACKAGES],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return prefix / "node_modules" / "node-red" / "red.js"


# Node ids; flow nodes also need x/y (Node-RED treats nodes without a position as config nodes).
TAB, BROKER, INFLUXDB = "sgb-tab", "sgb-broker", "sgb-influxdb"
INFLUX_OUT = "sgb-influx-out"


def _node(node_id: str, node_type: str, row: int, col: int, **props: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": node_type,
        "z": TAB,
        "name": "",
        "x": 150 + 200 * col,
        "y": 60 + 60 * row,
        "wires": [],
        **props,
    }


def _function(node_id: str, row: int, col: int, code: str, **props: Any) -> dict[str, Any]:
    return _node(
        node_id,
        "function",
        row,
        col,
        func=code,
        outputs=1,
        timeout=0,
        noerr=0,
        initialize="",
        finalize="",
        libs=[],
        **props,
    )


def flows(*, broker_url: str, victoria_url: str, target: int) -> list[dict[str, Any]]:
    """The benchmark flow as a flows.json document (``target``: points that end the run)."""
    broker = urlsplit(broker_url)
    return [
        {"id": TAB, "type": "tab", "label": "SiteGuard ingest bench"},
        {
            "id": BROKER,
            "type": "mqtt-broker",
            "name": "mosquitto",
            "broker": broker.hostname or "127.0.0.1",
            "port": str(broker.port or 1883),
            "clientid": CLIENT_ID,
            "autoConnect": True,
            "usetls": False,
            "protocolVersion": "5",
            "keepalive": "60",
            "cleansession": False,
            "autoUnsubscribe": True,
            "sessionExpiry": str(SESSION_EXPIRY_S),
            "birthTopic": "",
            "closeTopic": "",
            "willTopic": "",
            "userProps": "",
        },
        {
            "id": INFLUXDB,
            "type": "influxdb",
            "name": "victoria-metrics",
            "hostname": "127.0.0.1",
            "port": "8086",
            "protocol": "http",
            "database": "",
            "usetls": False,
            "tls": "",
            "influxdbVersion": "2.0",
            "url": victoria_url,
            "timeout": "10",
            "rejectUnauthorized": False,
        },
        _node(
            "sgb-mqtt-in",
            "mqtt in",
            0,
            0,
            topic=f"{PREFIX}/#",
            qos="1",
            datatype="utf8",
            broker=BROKER,
            nl=False,
            rap=True,
            rh=0,
            inputs=0,
            wires=[["sgb-parse"]],
        ),
        _function(
            "sgb-parse",
            0,
            1,
            PARSE_JS % {"probe": json.dumps(PROBE_TOPIC)},
            name="to [fields, tags]",
            wires=[["sgb-join"]],
        ),
        _node(
            "sgb-join",
            "join",
            0,
            2,
            mode="custom",
            build="array",
            property="payload",
            propertyType="msg",
            key="topic",
            joiner="\\n",
            joinerType="str",
            useparts=False,
            accumulate=False,
            timeout=str(JOIN_TIMEOUT_S),
            count=str(JOIN_COUNT),
            reduceRight=False,
            reduceExp="",
            reduceInit="",
            reduceInitType="",
            reduceFixup="",
            wires=[[INFLUX_OUT]],
        ),
        _node(
            INFLUX_OUT,
            "influxdb out",
            0,
            3,
            influxdb=INFLUXDB,
            measurement=MEASUREMENT,
            precision="",
            retentionPolicy="",
            database="",
            precisionV18FluxV20="ms",
            retentionPolicyV18Flux="",
            org="bench",
            bucket="bench",
        ),
        _node(
            "sgb-written",
            "complete",
            1,
            2,
            name="written",
            scope=[INFLUX_OUT],
            uncaught=False,
            wires=[["sgb-count-written"]],
        ),
        _function("sgb-count-written", 1, 3, WRITTEN_JS % {"target": target}, name="count written"),
        _node(
            "sgb-failed",
            "catch",
            2,
            2,
            name="failed",
            scope=[INFLUX_OUT],
            uncaught=False,
            wires=[["sgb-count-errors"]],
        ),
        _function("sgb-count-errors", 2, 3, ERROR_JS, name="count errors"),
        _node(
            "sgb-stats-in",
            "http in",
            3,
            0,
            url=STATS_PATH,
            method="get",
            upload=False,
            swaggerDoc="",
            wires=[["sgb-stats"]],
        ),
        _function("sgb-stats", 3, 1, STATS_JS, name="stats", wires=[["sgb-stats-out"]]),
        _node("sgb-stats-out", "http response", 3, 2, statusCode="", headers={}),
    ]


def drop_session(url: str, client_id: str) -> None:
    """Discard a persistent session and its queue: a clean start without a session expiry
    interval (0 by default in MQTT v5) ends the session when this connection closes."""
    parts = urlsplit(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.connect(parts.hostname or "", parts.port or 1883, clean_start=True)
    client.loop_start()
    time.sleep(0.2)
    client.disconnect()
    client.loop_stop()


class NodeRed:
    """One Node-RED process with its own user directory, settings and flow."""

    def __init__(self, workdir: Path, *, broker_url: str, victoria_url: str, target: int) -> None:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not installed (Node.js 20 or later is needed)")
        self.node = node
        self.red_js = ensure_installed()
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.broker_url = broker_url
        self.port = free_port()
        self.stats_url = f"http://127.0.0.1:{self.port}{STATS_PATH}"
        self.log_path = workdir / "node-red.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.settings = workdir / "settings.js"
        self.settings.write_text(SETTINGS_JS % {"port": self.port})
        flow = flows(broker_url=broker_url, victoria_url=victoria_url, target=target)
        (workdir / "flows.json").write_text(json.dumps(flow, indent=1))
        # With credentialSecret false, Node-RED reads the credentials file as plain JSON.
        (workdir / "flows_cred.json").write_text(json.dumps({INFLUXDB: {"token": "bench"}}))

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    self.node,
                    str(self.red_js),
                    "--userDir",
                    str(self.workdir),
                    "--settings",
                    str(self.settings),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        try:
            wait_for(self._serving, timeout=60, what="Node-RED's stats endpoint")
        except BaseException:
            self.kill()
            raise

    def _serving(self) -> bool:
        self._check_alive()
        return httpx.get(self.stats_url, timeout=2).status_code == 200

    def _check_alive(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"Node-RED exited with {self.proc.returncode}:\n{self.log()}")

    def stats(self) -> dict[str, int]:
        response = httpx.get(self.stats_url, timeout=2)
        response.raise_for_status()
        return {k: int(v) for k, v in response.json().items()}

    def create_session(self) -> None:
        """Start, wait until the subscription is live, then SIGKILL, so the session survives.

        A graceful stop would unsubscribe (and could drop the session); a killed client
        leaves the broker holding its persistent session and subscription.
        """
        self.start()
        parts = urlsplit(self.broker_url)
        probe = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-probe-{os.getpid()}")
        probe.connect(parts.hostname or "", parts.port or 1883)
        probe.loop_start()
        try:

            def subscribed() -> bool:
                self._check_alive()
                if self.stats()["probes"] > 0:
                    return True
                probe.publish(PROBE_TOPIC, b"{}", qos=0)
                return False

            wait_for(subscribed, timeout=60, what="Node-RED to subscribe", interval=0.2)
        finally:
            probe.disconnect()
            probe.loop_stop()
        self.kill()

    def wait_written(
        self, n: int, *, timeout: float = 600, interval: float = 0.05
    ) -> dict[str, int]:
        """Poll the flow's counters until n points are written; the final counters."""
        deadline = time.monotonic() + timeout
        stats: dict[str, int] = {}
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                stats = self.stats()
            except httpx.HTTPError:
                time.sleep(interval)
                continue
            if stats["last_ms"]:
                return stats
            time.sleep(interval)
        raise RuntimeError(f"Node-RED wrote {stats.get('written', 0)}/{n} points: {stats}")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""


def _influx_writes(victoria: VictoriaMetrics) -> float:
    """How many InfluxDB write requests (v1 and v2 API) VictoriaMetrics has served."""
    requests = 0.0
    for line in httpx.get(f"{victoria.url}/metrics", timeout=10).text.splitlines():
        if line.startswith("vm_http_requests_total{") and 'path="/influx/write"' in line:
            requests += float(line.rsplit(" ", 1)[1])
    return requests


def run_nodered(
    workdir: Path, broker: Mosquitto, victoria: VictoriaMetrics, messages: list[tuple[str, bytes]]
) -> dict[str, float]:
    """Node-RED draining the preloaded queue; times are the flow's own (first to last write)."""
    n = len(messages)
    node_red = NodeRed(
        workdir / "node-red", broker_url=broker.url, victoria_url=victoria.url, target=n
    )
    try:
        node_red.create_session()
        publish_s = preload(broker.url, messages)
        writes_before = _influx_writes(victoria)
        node_red.start()
        assert node_red.proc is not None
        stats = node_red.wait_written(n)
        rss = peak_rss_mb(node_red.proc.pid)
    finally:
        node_red.stop()
        drop_session(broker.url, CLIENT_ID)
    writes = _influx_writes(victoria) - writes_before
    points = 0
    for _ in range(100):
        exported = victoria.export(f'{{__name__="{MEASUREMENT}_count"}}')
        points = int(sum(sum(s["values"]) for s in exported))
        if points >= n:
            break
        time.sleep(0.2)
    return {
        "seconds": (stats["last_ms"] - stats["first_ms"]) / 1000,
        "received": stats["received"],
        "written": stats["written"],
        "errors": stats["errors"],
        "points": points,
        "rss_mb": rss,
        "writes": writes,
        "publish_s": publish_s,
    }
