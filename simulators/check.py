"""Whether a scenario's run produced what it must: asked of the gateway's HTTP API."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import httpx

from simulators.message import PREFIX
from simulators.scenario import Scenario


def problems(scenario: Scenario, *, tag: str, api: httpx.Client, prefix: str = PREFIX) -> list[str]:
    """What is missing or wrong, as sentences; empty when everything holds."""
    found: list[str] = []
    for expected in scenario.expect.alarms:
        building = f"{tag}-{expected.building}"
        params = {"building": building, "kind": expected.kind, "status": "all", "limit": 1000}
        alarms: list[dict[str, Any]] = _get(api, "/api/v1/alarms", params)["items"]
        if expected.status != "any":
            alarms = [a for a in alarms if a["status"] == expected.status]
        if expected.severity is not None:
            alarms = [a for a in alarms if a["severity"] == expected.severity]
        if len(alarms) != expected.number:
            found.append(
                f"{expected.kind} alarms in {expected.building}"
                f"{' (' + expected.status + ')' if expected.status != 'any' else ''}: "
                f"{len(alarms)}, expected {expected.number}"
            )
            continue
        for alarm in alarms:
            if expected.count is not None and alarm["count"] != expected.count:
                found.append(
                    f"{expected.kind} alarm count {alarm['count']}, expected {expected.count}"
                )
            if expected.devices is not None:
                want = {f"{tag}-{d}" for d in expected.devices}
                if set(alarm["device_ids"]) != want:
                    found.append(
                        f"{expected.kind} devices {alarm['device_ids']}, expected {sorted(want)}"
                    )
    for ticket in scenario.expect.tickets:
        params = {"building": f"{tag}-{ticket.building}", "category": ticket.category}
        total = _get(api, "/api/v1/tickets", params)["total"]
        if total != ticket.number:
            found.append(
                f"{ticket.category} tickets in {ticket.building}: {total}, expected {ticket.number}"
            )
    if scenario.expect.dead_letters:
        params = {"topic_prefix": f"{prefix}/{tag}-", "limit": 1000}
        letters = _get(api, "/api/v1/dead_letters", params)["items"]
        counts = Counter(letter["reason"] for letter in letters)
        if dict(counts) != scenario.expect.dead_letters:
            found.append(f"dead letters {dict(counts)}, expected {scenario.expect.dead_letters}")
    return found


def wait(
    scenario: Scenario, *, tag: str, api: httpx.Client, timeout: float | None = None
) -> list[str]:
    """Check until everything holds or the scenario's time is up; the last problems found."""
    deadline = time.monotonic() + (timeout or scenario.expect.within_s)
    while True:
        found = problems(scenario, tag=tag, api=api)
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.25)


def _get(api: httpx.Client, path: str, params: dict[str, Any]) -> dict[str, Any]:
    response = api.get(path, params=params)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body
