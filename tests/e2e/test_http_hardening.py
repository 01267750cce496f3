"""The HTTP side of the real gateway under the limits a street's network needs: a revoked
token's stream ends, streams and connections are capped, and HTTPS is served directly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import GatewayFactory
from tests.e2e.test_stream import make_token
from tests.support.gateway import ADMIN_TOKEN, Gateway, write_config
from tests.support.servers import ROOT, Mosquitto, free_port
from tests.support.sse import SseReader


@pytest.mark.services
def test_a_revoked_tokens_stream_ends_at_the_next_heartbeat(
    mosquitto: Mosquitto, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url, api={"stream_heartbeat_s": 0.3}).start()
    made = gateway.call("POST", "/api/v1/tokens", json={"name": "duty", "role": "duty"}).json()
    reader = SseReader(f"{gateway.base}/api/v1/stream", token=made["token"])
    reader.wait(lambda r: r.status == 200 and "keepalive" in r.comments)
    assert gateway.call("DELETE", f"/api/v1/tokens/{made['id']}").status_code == 204
    reader.wait(lambda r: any(e.get("event") == "ended" for e in r.events), timeout=5)
    assert reader.events[-1]["data"] == {"detail": "token revoked or expired"}
    # ...and the browser's reconnect is refused.
    again = gateway.call("GET", "/api/v1/stream", token=made["token"])
    assert again.status_code == 401


@pytest.mark.services
def test_streams_and_connections_are_capped(
    mosquitto: Mosquitto, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(
        mqtt_url=mosquitto.url,
        api={"max_streams": 2, "max_connections": 10, "stream_heartbeat_s": 0.5},
    ).start()
    duty = make_token(gateway, "duty")
    url = f"{gateway.base}/api/v1/stream"
    readers = [SseReader(url, token=duty) for _ in range(2)]
    for reader in readers:
        reader.wait(lambda r: r.status == 200)
    third = gateway.call("GET", "/api/v1/stream", token=duty)
    assert third.status_code == 503 and "event streams are open" in third.json()["detail"]
    assert third.headers["retry-after"]
    # Idle connections past api.max_connections are answered 503 by the server itself.
    clients = [httpx.Client(base_url=gateway.base, timeout=5) for _ in range(12)]
    try:
        statuses = []
        streams = []
        for client in clients:
            stream = client.stream("GET", "/healthz")
            response = stream.__enter__()
            streams.append(stream)
            statuses.append(response.status_code)
        assert 503 in statuses
    finally:
        for stream in streams:
            stream.__exit__(None, None, None)
        for client in clients:
            client.close()
        for reader in readers:
            reader.close()
    assert gateway.call("GET", "/healthz").status_code == 200


@pytest.mark.services
def test_https_served_directly_with_the_configured_certificate(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    certs = tmp_path / "certs"
    subprocess.run(
        ["bash", str(ROOT / "deploy" / "mosquitto" / "make-certs.sh"), str(certs), "localhost"],
        check=True,
        capture_output=True,
    )
    config = write_config(
        tmp_path / "gateway.toml",
        mqtt_url=mosquitto.url,
        database_url=f"sqlite:///{tmp_path / 'siteguard.db'}",
        data_dir=tmp_path / "data",
        api={
            "port": free_port(),
            "tls_cert_file": str(certs / "server.crt"),
            "tls_key_file": str(certs / "server.key"),
        },
    )
    with Gateway(config, log_path=tmp_path / "gateway.log", ca_file=certs / "ca.crt") as gateway:
        gateway.start()
        assert gateway.base.startswith("https://")
        assert gateway.get("/api/v1/buildings")["total"] == 0
        plain = gateway.base.replace("https://", "http://")
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{plain}/healthz", timeout=3)
        with pytest.raises(httpx.ConnectError):  # not trusted without the CA
            httpx.get(f"{gateway.base}/healthz", timeout=3)
        assert ADMIN_TOKEN not in gateway.log()
