"""The production broker set-up (deploy/mosquitto/) against real Mosquitto.

One broker for the module, started from ``deploy/mosquitto/mosquitto.conf`` with only its
ports and folders replaced, certificates from ``deploy/mosquitto/make-certs.sh``, the device
password file and the ACL from ``siteguard registry broker-users`` (the registry filled by
``siteguard registry import``), the gateway's and a bridge's passwords from
``mosquitto_passwd``: every piece an office would use, so the ACL matrix below tests what
ships. Then the real gateway over ``mqtts://`` receives a device's alarm.

"Not received" is concluded without sleeping: the same client publishes the refused messages
first and an allowed one last, and Mosquitto routes one client's messages in order, so once
the allowed one has arrived the refused ones would have arrived before it; and a client that
must read nothing makes a round trip on its own connection (``Peer.nothing_more``) after the
messages it must not get were routed.
"""

from __future__ import annotations

import csv
import queue
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from simulators.message import canonical
from simulators.publish import Publisher as SimPublisher
from siteguard.broker_users import (
    Device,
    PasswordSheet,
    acl_text,
    mosquitto_hash,
    mosquitto_verify,
    new_password,
    plan,
)
from tests.conftest import GatewayFactory
from tests.support.servers import ROOT, SecureMosquitto, need_binary, wait_for

PREFIX = "siteguard/v1"
BUILDING = "b-acl"
GATEWAY_USER = "siteguard-gateway"
BRIDGE_USER = "bridge-milesight"
GATEWAY_CLIENT_IDS = ("siteguard-gateway", "siteguard-gateway-events")
DEVICES = [  # device_id, device_type, dev_eui
    ("dev-a", "smoke", ""),
    ("dev-b", "smoke", ""),
    ("gas-1", "gas", ""),
    ("lora-1", "smoke", "a84041000181c9e1"),  # LoRaWAN: through a network server, no account
]


@dataclass(frozen=True, kw_only=True)
class Site:
    broker: SecureMosquitto
    ca: Path
    config: Path
    database_url: str
    sheet: Path
    bridges: Path  # the bridges' password-file lines, made with mosquitto_passwd
    passwords: dict[str, str]  # device id -> password, from the provisioning sheet
    gateway_password: str
    bridge_password: str
    command_stderr: str


def siteguard(*args: str, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "siteguard", *args, "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_registry(folder: Path, devices: list[tuple[str, str, str]]) -> tuple[Path, Path]:
    buildings = folder / "buildings.csv"
    buildings.write_text(f"building_id,name\n{BUILDING},ACL test building\n")
    rows = "".join(f"{d},{t},{BUILDING},{eui}\n" for d, t, eui in devices)
    device_file = folder / f"devices-{uuid.uuid4().hex[:6]}.csv"
    device_file.write_text("device_id,device_type,building_id,dev_eui\n" + rows)
    return buildings, device_file


def sheet_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def read_sheet(path: Path) -> dict[str, str]:
    return {row["device_id"]: row["password"] for row in sheet_rows(path)}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    broker = SecureMosquitto()
    try:
        yield _make_site(broker, tmp_path_factory.mktemp("broker-site"))
    finally:
        broker.cleanup()


def _make_site(broker: SecureMosquitto, folder: Path) -> Site:
    passwd = need_binary("mosquitto_passwd", Path("/usr/bin/mosquitto_passwd"))
    need_binary("openssl")
    work = broker.workdir
    subprocess.run(
        [str(ROOT / "deploy/mosquitto/make-certs.sh"), str(work / "certs"), "mqtt.test.internal"],
        check=True,
        capture_output=True,
    )
    database_url = f"sqlite:///{folder / 'siteguard.db'}"
    config = folder / "siteguard.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[mqtt]\nusername = "{GATEWAY_USER}"\n')
    buildings, devices = write_registry(folder, DEVICES)
    imported = siteguard(
        "registry", "import", "--buildings", str(buildings), "--devices", str(devices),
        config=config,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr

    gateway_password, bridge_password = new_password(), new_password()
    subprocess.run(
        [passwd, "-c", "-b", str(work / "gateway.passwd"), GATEWAY_USER, gateway_password],
        check=True,
    )
    bridges = folder / "bridges.passwd"
    subprocess.run([passwd, "-c", "-b", str(bridges), BRIDGE_USER, bridge_password], check=True)
    sheet = folder / "device-passwords.csv"
    made = siteguard(
        "registry", "broker-users", "--passwords", str(sheet),
        "--password-file", str(work / "devices.passwd"), "--acl-file", str(work / "acl"),
        "--include", str(bridges), "--bridge", f"milesight={BRIDGE_USER}",
        config=config,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    broker.start()
    return Site(
        broker=broker,
        ca=work / "certs" / "ca.crt",
        config=config,
        database_url=database_url,
        sheet=sheet,
        bridges=bridges,
        passwords=read_sheet(sheet),
        gateway_password=gateway_password,
        bridge_password=bridge_password,
        command_stderr=made.stderr,
    )


class Peer:
    """A paho client (MQTT 3.1.1, as device firmware speaks it) on one listener over TLS,
    recording how the broker answered and every message it receives."""

    def __init__(
        self,
        port: int,
        *,
        ca: Path,
        username: str | None,
        password: str | None = None,
        client_id: str | None = None,
    ) -> None:
        self.answers: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.received: queue.Queue[str] = queue.Queue()
        self.subacks: queue.Queue[int] = queue.Queue()
        self.disconnects = 0
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or f"peer-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
        )
        self.client.reconnect_delay_set(60, 120)  # a refused peer does not retry meanwhile
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.tls_set(ca_certs=str(ca))
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = lambda _c, _u, message: self.received.put(message.topic)
        self.client.on_subscribe = lambda _c, _u, mid, _codes, _p: self.subacks.put(mid)
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()

    def _on_connect(self, _c: Any, _u: Any, _f: Any, code: ReasonCode, _p: Any) -> None:
        self.answers.put(("connack", code))

    def _on_disconnect(self, *_: Any) -> None:
        self.disconnects += 1
        self.answers.put(("closed", None))

    def answer(self, timeout: float = 5.0) -> tuple[str, Any]:
        """("connack", reason code) or ("closed", None): the broker's first answer."""
        return self.answers.get(timeout=timeout)

    def accepted(self) -> Peer:
        kind, code = self.answer()
        assert kind == "connack" and not code.is_failure, (kind, code)
        return self

    def refused(self) -> bool:
        kind, code = self.answer()
        return kind == "closed" or bool(code.is_failure)

    def subscribe(self, *filters: str) -> None:
        _, mid = self.client.subscribe([(f, 1) for f in filters])
        assert self.subacks.get(timeout=5) == mid

    def publish(self, topic: str, payload: bytes = b'{"type":"test"}') -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)

    def until(self, topic: str, timeout: float = 5.0) -> list[str]:
        """Every topic received, up to and including ``topic``."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while topic not in seen:
            seen.append(self.received.get(timeout=max(0.01, deadline - time.monotonic())))
        return seen

    def nothing_more(self) -> list[str]:
        """What arrived and was not taken yet, once everything the broker routed to this
        client so far has arrived. A barrier, not a sleep: the SUBACK for a filter nothing
        matches is sent on the same connection after any message routed to us before the
        SUBSCRIBE (a handful of messages, far below the in-flight limit, so none waits in
        the broker's queue), and paho calls back in the order packets arrive."""
        self.subscribe(f"{PREFIX}/barrier/{uuid.uuid4().hex}")
        return [self.received.get_nowait() for _ in range(self.received.qsize())]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def device(site: Site, name: str, **kwargs: Any) -> Peer:
    password = kwargs.pop("password", site.passwords.get(name))
    return Peer(site.broker.port, ca=site.ca, username=name, password=password, **kwargs)


def gateway_peer(site: Site, **kwargs: Any) -> Peer:
    """The gateway's user on the gateway listener, reading everything."""
    peer = Peer(
        site.broker.gateway_port,
        ca=site.ca,
        username=GATEWAY_USER,
        password=site.gateway_password,
        **kwargs,
    ).accepted()
    peer.subscribe(f"{PREFIX}/#")
    return peer


def own(name: str, channel: str = "event", building: str = BUILDING) -> str:
    return f"{PREFIX}/{building}/smoke/{name}/{channel}"


# ---- the command's output ---------------------------------------------------------------


@pytest.mark.services
def test_command_writes_accounts_mosquitto_accepts(site: Site) -> None:
    """Every direct device got a password, hashed in the file the broker started with; the
    LoRaWAN device got none; the bridge's line was copied in."""
    assert set(site.passwords) == {"dev-a", "dev-b", "gas-1"}
    assert "1 platform devices skipped" in site.command_stderr
    lines = (site.broker.workdir / "devices.passwd").read_text().splitlines()
    hashes = dict(line.split(":", 1) for line in lines)
    assert set(hashes) == {BRIDGE_USER, "dev-a", "dev-b", "gas-1"}
    for name, password in site.passwords.items():
        assert hashes[name].startswith("$7$101$") and mosquitto_verify(password, hashes[name])
        with device(site, name) as peer:
            peer.accepted()  # Mosquitto agrees


@pytest.mark.services
def test_rerun_keeps_passwords_and_adds_only_new_devices(site: Site, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    shutil.copy(site.sheet, sheet)
    before = sheet.read_text()
    out = tmp_path / "devices.passwd"
    again = siteguard(
        "registry", "broker-users", "--passwords", str(sheet), "--password-file", str(out),
        config=site.config,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert sheet.read_text() == before  # nothing new: not even rewritten

    _, devices = write_registry(tmp_path, [("dev-new", "gas", "")])
    imported = siteguard("registry", "import", "--devices", str(devices), config=site.config)
    assert imported.returncode == 0, imported.stderr
    third = siteguard(
        "registry", "broker-users", "--passwords", str(sheet), "--password-file", str(out),
        "--no-generate", config=site.config,
    )  # fmt: skip
    assert third.returncode == 1 and "dev-new" in third.stderr  # no row, no generating
    fourth = siteguard(
        "registry", "broker-users", "--passwords", str(sheet), "--password-file", str(out),
        config=site.config,
    )  # fmt: skip
    assert fourth.returncode == 0, fourth.stderr
    passwords = read_sheet(sheet)
    assert {k: v for k, v in passwords.items() if k != "dev-new"} == site.passwords
    assert sheet.read_text().startswith(before)  # appended
    assert sheet.stat().st_mode & 0o077 == 0  # the sheet is secret
    hashes = dict(line.split(":", 1) for line in out.read_text().splitlines())
    assert mosquitto_verify(passwords["dev-new"], hashes["dev-new"])

    # dev-b is stolen: the office notes it in a `revoked` column (and may blank its password).
    rows = sheet_rows(sheet)
    for row in rows:
        row["revoked"] = "2024-05-01 stolen" if row["device_id"] == "dev-b" else ""
        row["password"] = "" if row["device_id"] == "dev-b" else row["password"]
    with sheet.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*rows[0]])
        writer.writeheader()
        writer.writerows(rows)
    revoked = siteguard(
        "registry", "broker-users", "--passwords", str(sheet), "--password-file", str(out),
        config=site.config,
    )  # fmt: skip
    assert revoked.returncode == 0 and "1 revoked" in revoked.stderr, revoked.stderr
    assert "dev-b" not in dict(line.split(":", 1) for line in out.read_text().splitlines())
    assert sheet_rows(sheet) == rows  # and no new password for it


@pytest.mark.services
def test_accounts_change_on_reload(site: Site, tmp_path: Path) -> None:
    """The documented routine: import, broker-users over the live files, reload (SIGHUP). A
    new device gets in; a revoked one is disconnected at once; the others stay connected;
    the file keeps the owner the broker needs."""
    passwd = site.broker.workdir / "devices.passwd"
    owner = passwd.stat().st_uid, passwd.stat().st_gid

    def update_and_reload() -> None:
        made = siteguard(
            "registry", "broker-users", "--passwords", str(site.sheet),
            "--password-file", str(passwd), "--include", str(site.bridges),
            config=site.config,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert (passwd.stat().st_uid, passwd.stat().st_gid) == owner
        assert site.broker.proc is not None
        site.broker.proc.send_signal(signal.SIGHUP)

    with device(site, "dev-a").accepted() as connected:
        _, devices = write_registry(tmp_path, [("dev-late", "smoke", "")])
        imported = siteguard("registry", "import", "--devices", str(devices), config=site.config)
        assert imported.returncode == 0, imported.stderr
        update_and_reload()
        password = read_sheet(site.sheet)["dev-late"]

        def late_gets_in() -> bool:
            with device(site, "dev-late", password=password) as attempt:
                kind, code = attempt.answer()
                return kind == "connack" and not code.is_failure

        wait_for(late_gets_in, timeout=5, what="dev-late accepted after the reload")

        with device(site, "dev-late", password=password).accepted() as late:
            rows = sheet_rows(site.sheet)
            for row in rows:
                row["revoked"] = "SIM card lost" if row["device_id"] == "dev-late" else ""
            with site.sheet.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=[*rows[0]])
                writer.writeheader()
                writer.writerows(rows)
            update_and_reload()
            wait_for(lambda: late.disconnects > 0, timeout=5, what="dev-late disconnected")
        with device(site, "dev-late", password=password) as again:
            assert again.refused()
        assert connected.disconnects == 0 and connected.client.is_connected()


def test_hash_is_mosquitto_passwd_format() -> None:
    """The same PBKDF2-SHA512 as mosquitto_passwd: a line it wrote verifies here, and a fixed
    salt gives its exact text (the broker accepting ours is tested above)."""
    hashed = (  # `mosquitto_passwd -b FILE dev1 secret`, Mosquitto 2.0.11
        "$7$101$zT0MCh/8wYHj4t9g$4POzLVbK8q8Ruqea4wXeiLl0nE0cAkPvCUuDsN6N8hI3xqh8uO5AlJ72NTRqoy"
        "fCXGo9YErzxbB2wQTJEFdtlg=="
    )
    assert mosquitto_verify("secret", hashed) and not mosquitto_verify("Secret", hashed)
    salt = bytes.fromhex("cd3d0c0a1ffcc181e3e2df60")
    assert mosquitto_hash("secret", salt=salt) == hashed
    assert mosquitto_hash("x") != mosquitto_hash("x")  # a fresh salt each time


def test_reserved_and_unusable_device_ids_get_no_account() -> None:
    sheet = PasswordSheet(
        columns=["device_id", "password", "revoked"],
        rows=[{"device_id": "gone", "password": "", "revoked": "lost"}],
    )
    devices = [
        Device(device_id=name, device_type="smoke", building_id="b")
        for name in ("ok-1", "siteguard-gateway", "siteguard-gateway-events", "aa:bb", "br-x")
    ]
    devices.append(Device(device_id="gone", device_type="gas", building_id="b"))
    reserved = {"siteguard-gateway": "the gateway's client id", "br-x": "a --bridge user"}
    reserved["siteguard-gateway-events"] = "the gateway's events client id"
    outcome = plan(devices, sheet, reserved=reserved, generate=True)
    assert list(outcome.accounts) == ["ok-1"] and outcome.generated == ["ok-1"]
    assert outcome.revoked == ["gone"] and len(sheet.rows) == 2
    assert len(outcome.refused) == 4 and not outcome.ok
    assert any("':'" in message for message in outcome.refused)


def test_shipped_acl_is_what_the_command_writes() -> None:
    def rules(text: str) -> list[str]:
        return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]

    shipped = (ROOT / "deploy/mosquitto/acl").read_text()
    made = acl_text(prefix=PREFIX, gateway_user=GATEWAY_USER, bridges={"milesight": BRIDGE_USER})
    assert rules(shipped) == rules(made)


# ---- the ACL matrix ---------------------------------------------------------------------


@pytest.mark.services
def test_device_publishes_under_its_own_id_only(site: Site, building: str) -> None:
    with gateway_peer(site) as gateway, device(site, "dev-a").accepted() as dev_a:
        refused = [
            own("dev-b", building=building),  # another device's id
            f"{PREFIX}/{building}/gas/gas-1/telemetry",
            f"{PREFIX}/vendor/milesight/dev-a/up",  # the vendor namespace, even with its id
            f"{PREFIX}/vendor/milesight/x",
            f"{PREFIX}/{building}/smoke/dev-a/event/extra",  # not a canonical topic
            f"other/{building}/smoke/dev-a/event",
        ]
        for topic in refused:
            dev_a.publish(topic)
        allowed = [own("dev-a", "heartbeat", building), own("dev-a", building=building)]
        for topic in allowed:
            dev_a.publish(topic)
        assert gateway.until(allowed[-1]) == allowed


@pytest.mark.services
def test_device_reads_nothing(site: Site, building: str) -> None:
    with (
        gateway_peer(site) as gateway,
        device(site, "dev-a").accepted() as dev_a,
        device(site, "dev-b").accepted() as dev_b,
    ):
        dev_a.subscribe("#", f"{PREFIX}/+/+/dev-b/+", f"{PREFIX}/{building}/smoke/dev-a/+")
        dev_b.publish(own("dev-b", building=building))
        dev_a.publish(own("dev-a", building=building))  # not even its own messages
        gateway.until(own("dev-b", building=building))
        gateway.until(own("dev-a", building=building))
        assert dev_a.nothing_more() == []


@pytest.mark.services
def test_anonymous_and_wrong_passwords_are_refused(site: Site) -> None:
    port, gateway_port = site.broker.port, site.broker.gateway_port
    attempts = {
        "anonymous, device listener": Peer(port, ca=site.ca, username=None),
        "anonymous, gateway listener": Peer(gateway_port, ca=site.ca, username=None),
        "wrong password": device(site, "dev-a", password="not-" + site.passwords["dev-a"]),
        "another device's password": device(site, "dev-a", password=site.passwords["dev-b"]),
        "unregistered device": device(site, "dev-zz", password="whatever"),
        "platform device": device(site, "lora-1", password=""),
        "device on the gateway listener": Peer(
            gateway_port, ca=site.ca, username="dev-a", password=site.passwords["dev-a"]
        ),
        "gateway user on the device listener": device(
            site, GATEWAY_USER, password=site.gateway_password
        ),
        "bridge on the gateway listener": Peer(
            gateway_port, ca=site.ca, username=BRIDGE_USER, password=site.bridge_password
        ),
    }
    try:
        accepted = [what for what, peer in attempts.items() if not peer.refused()]
    finally:
        for peer in attempts.values():
            peer.close()
    assert accepted == []


@pytest.mark.services
def test_bridge_writes_only_under_its_vendor_prefix(site: Site, building: str) -> None:
    bridge = Peer(site.broker.port, ca=site.ca, username=BRIDGE_USER, password=site.bridge_password)
    with gateway_peer(site) as gateway, bridge.accepted():
        for topic in (
            f"{PREFIX}/vendor/ctwing/123",  # another adapter's prefix
            own("dev-a", building=building),  # a device's canonical topic
            own(BRIDGE_USER, building=building),  # a device named like the bridge
            f"{PREFIX}/vendor/milesightx/1",
        ):
            bridge.publish(topic)
        allowed = f"{PREFIX}/vendor/milesight/a84041000181c9e1"
        bridge.publish(allowed)
        assert gateway.until(allowed) == [allowed]
        bridge.subscribe("#")
        with device(site, "dev-b").accepted() as dev_b:
            dev_b.publish(own("dev-b", building=building))
        gateway.until(own("dev-b", building=building))
        assert bridge.nothing_more() == []  # and reads nothing


@pytest.mark.services
def test_only_the_gateway_user_gets_the_gateway_client_ids(site: Site, building: str) -> None:
    """A device asking for the gateway's client id gets its own user name instead, so the
    gateway's session is neither kicked nor taken over; on the gateway listener nobody but
    the gateway's user gets in at all."""
    for client_id in GATEWAY_CLIENT_IDS:
        with gateway_peer(site, client_id=client_id) as gateway:
            attempts = [
                Peer(
                    site.broker.gateway_port,
                    ca=site.ca,
                    username="dev-a",
                    password=site.passwords["dev-a"],
                    client_id=client_id,
                ),
                Peer(site.broker.gateway_port, ca=site.ca, username=None, client_id=client_id),
            ]
            try:
                assert all(peer.refused() for peer in attempts)
            finally:
                for peer in attempts:
                    peer.close()
            with device(site, "dev-a", client_id=client_id).accepted() as impostor:
                impostor.publish(own("dev-a", building=building))  # it is dev-a, nothing more
                assert gateway.until(own("dev-a", building=building)) == [
                    own("dev-a", building=building)
                ]
            assert gateway.disconnects == 0 and gateway.client.is_connected()


@pytest.mark.services
def test_plain_mqtt_to_a_tls_listener_gets_no_answer(site: Site) -> None:
    # CONNECT, MQTT 3.1.1, clean session, keep-alive 30, client id "plain".
    connect = bytes([0x10, 17, 0, 4, *b"MQTT", 4, 2, 0, 30, 0, 5, *b"plain"])
    for port in (site.broker.port, site.broker.gateway_port):
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(connect)
            try:
                reply = sock.recv(16)
            except (ConnectionResetError, TimeoutError):
                reply = b""
            assert not reply.startswith(b"\x20"), reply  # no CONNACK, ever


@pytest.mark.services
def test_tls_verifies_with_the_site_ca_and_its_names(site: Site) -> None:
    def handshake(context: ssl.SSLContext, name: str) -> None:
        with (
            socket.create_connection(("127.0.0.1", site.broker.port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=name) as tls,
        ):
            assert tls.version() in ("TLSv1.2", "TLSv1.3")

    with_ca = ssl.create_default_context(cafile=str(site.ca))
    handshake(with_ca, "127.0.0.1")
    handshake(with_ca, "localhost")
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(ssl.create_default_context(), "127.0.0.1")  # the system's CAs do not know it
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(with_ca, "mqtt.elsewhere.example")  # not a name in the certificate


# ---- the real gateway -------------------------------------------------------------------


@pytest.mark.services
def test_gateway_over_mqtts_gets_a_device_alarm(site: Site, make_gateway: GatewayFactory) -> None:
    gateway = make_gateway(
        mqtt_url=site.broker.gateway_url,
        database_url=site.database_url,
        mqtt={"username": GATEWAY_USER, "password": site.gateway_password, "ca_file": site.ca},
    ).start()
    alarm = canonical(
        0,
        building=BUILDING,
        device_type="smoke",
        device="dev-b",
        channel="event",
        payload={"type": "alarm", "id": f"tls-{uuid.uuid4().hex[:8]}"},
    )
    with SimPublisher(
        site.broker.url,
        client_id="ignored-by-the-broker",
        username="dev-b",
        password=site.passwords["dev-b"],
        ca_file=site.ca,
    ) as publisher:
        assert publisher.run([alarm]) == 1

    def smoke_alarm() -> bool:
        items = gateway.get("/api/v1/alarms", building=BUILDING, kind="smoke")["items"]
        return any("dev-b" in item["device_ids"] for item in items)

    wait_for(smoke_alarm, timeout=10, what="dev-b's smoke alarm in the API")
