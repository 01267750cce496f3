"""The built-in scenarios re-said in vendor formats by ``siteguard simulate --format``, over
MQTT vendor topics and HTTP push, against the real gateway: each must still produce exactly
the alarms it declares."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from simulators.scenario import profile
from tests.support.gateway import ADMIN_TOKEN, Gateway, write_config
from tests.support.servers import Mosquitto

SECRET = "vendor-sim-secret"
ONENET_TOKEN = "vendor-sim-onenet"
RUNS = [
    ("fire_double_knock", "mixed", "http"),
    ("compound_smoke_and_gas", "iotda", "http"),
    ("gas_hysteresis", "aliyun", "http"),
    ("gas_leak_low_then_high", "onenet", "http"),
    ("ebike_hotspot", "ebike_board", "mqtt"),
    ("flapping_detector", "milesight", "mqtt"),
    ("fire_hold", "ctwing", "mqtt"),
    ("malformed_storm", "ctwing", "http"),  # its malformed payloads stay as they are
]


@pytest.fixture(scope="module")
def outcomes(
    mosquitto: Mosquitto, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    folder = tmp_path_factory.mktemp("vendor-sim")
    secrets = {name: {"secret": SECRET} for name in ("ctwing", "iotda", "aliyun", "milesight")}
    config = write_config(
        folder / "gateway.toml",
        mqtt_url=mosquitto.url,
        database_url=f"sqlite:///{folder / 'siteguard.db'}",
        data_dir=folder / "data",
        adapters={
            **secrets,
            "ebike_board": {"secret": SECRET},
            "onenet": {"token": ONENET_TOKEN},
        },
        **profile(),
    )
    gateway = Gateway(config, log_path=folder / "gateway.log").start()

    def run(scenario: str, fmt: str, transport: str) -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable, "-m", "siteguard", "simulate", "--broker", mosquitto.url,
            "--scenario", scenario, "--tag", f"{scenario[:6]}-{uuid.uuid4().hex[:6]}",
            "--format", fmt, "--transport", transport, "--api", gateway.base,
            "--token", ADMIN_TOKEN, "--push-secret", SECRET, "--onenet-token", ONENET_TOKEN,
            "--check", gateway.base,
        ]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)

    with ThreadPoolExecutor(max_workers=len(RUNS)) as pool:
        futures = {name: pool.submit(run, name, fmt, how) for name, fmt, how in RUNS}
        done = {name: future.result() for name, future in futures.items()}
    yield done
    gateway.stop()


@pytest.mark.services
@pytest.mark.parametrize(("scenario", "fmt", "transport"), RUNS)
def test_scenario_in_vendor_format(
    scenario: str,
    fmt: str,
    transport: str,
    outcomes: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = outcomes[scenario]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: every expectation holds" in result.stdout
    assert f"({fmt}, {transport})" in result.stdout
