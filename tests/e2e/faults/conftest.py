"""Fault injection: each case appends its row to test-artifacts/faults/results.jsonl; at the
end of the session the rows of this run become test-artifacts/faults/table.md and are printed."""

from __future__ import annotations

import pytest

from tests.support.faults import ARTIFACTS, recorded, table

# Read by the tests (test_faults.py) when they are imported, and kept from the gateways they
# start: the gateway refuses unknown SITEGUARD_* variables as configuration keys.
OUR_ENV = ("SITEGUARD_FAULT_ROUNDS", "SITEGUARD_FAULT_SEED")


@pytest.fixture(autouse=True)
def _no_fault_env_for_the_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OUR_ENV:
        monkeypatch.delenv(name, raising=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    rows = recorded()
    if not rows:
        return
    text = table(rows)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "table.md").write_text(text)
    terminalreporter.write_sep("=", "fault injection")
    terminalreporter.write(text)
