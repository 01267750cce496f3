"""The first thing a newcomer runs: ``siteguard demo``, installed into a fresh virtualenv,
with nothing else installed or running, shows what it promises within two minutes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import venv
from pathlib import Path

import httpx
import pytest

from tests.support.servers import ROOT, free_port

PROMISED = {"fire", "gas", "ebike_hotspot", "device_offline"}


@pytest.mark.services
def test_demo_from_a_fresh_virtualenv(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(ROOT)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEGUARD_")}
    demo = subprocess.Popen(
        [str(env_dir / "bin" / "siteguard"), "demo", "--duration", "150", "--port", str(port),
         "--workdir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert demo.stdout is not None
    output = []
    token = None
    for line in demo.stdout:
        output.append(line)
        found = re.search(r"duty token:\s+(\S+)", line)
        if found:
            token = found.group(1)
            break
    assert token, "".join(output)[-3000:]
    seen: set[str] = set()
    started = time.monotonic()
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
    ) as api:
        while time.monotonic() - started < 140 and not seen >= PROMISED:
            alarms = api.get("/api/v1/alarms", params={"status": "all", "limit": 1000}).json()[
                "items"
            ]
            seen = {a["kind"] for a in alarms}
            time.sleep(2)
        tickets = api.get("/api/v1/tickets").json()["total"]
    rest, _ = demo.communicate(timeout=60)
    assert demo.returncode == 0, rest[-3000:]
    assert seen >= PROMISED, f"seen {sorted(seen)}\n{rest[-3000:]}"
    assert tickets >= 3  # fire, gas (critical) and hotspot tickets at least
    assert "demo stopped" in rest
    assert sys.version_info >= (3, 11)
