"""What deploy/ ships: the systemd unit as systemd reads it, the production example."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.config import load_settings
from tests.support.servers import ROOT, need_binary

UNIT = ROOT / "deploy" / "siteguard.service"


@pytest.mark.services
def test_the_systemd_unit_verifies_without_a_warning(tmp_path: Path) -> None:
    analyze = need_binary("systemd-analyze")
    # systemd checks that the commands exist: point them at this checkout's.
    here = Path(sys.executable).parent / "siteguard"
    unit = tmp_path / "siteguard.service"
    unit.write_text(UNIT.read_text().replace("/opt/siteguard/.venv/bin/siteguard", str(here)))
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # unknown keys are only warnings


def test_the_production_example_is_locked_down() -> None:
    settings = load_settings(ROOT / "deploy" / "siteguard.example.toml")
    assert settings.devices.auto_register is False
    assert settings.api.docs is False
    assert settings.api.tls_cert_file is not None and settings.api.tls_key_file is not None
    assert settings.mqtt.url is not None and settings.mqtt.url.startswith("mqtts://")
    assert settings.mqtt.ca_file is not None
