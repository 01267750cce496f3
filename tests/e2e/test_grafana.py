"""The shipped Grafana dashboard against a real InfluxDB 1.6 fed by the real gateway: every
panel query parses, runs, and shows the data the panel promises."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GatewayFactory
from tests.support.mqtt import Publisher, topic
from tests.support.servers import Influx1, Mosquitto, wait_for

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "siteguard.json"


def _queries() -> dict[str, str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return {f"{p['id']}{t['refId']}": t["query"] for p in dashboard["panels"] for t in p["targets"]}


def _expand(query: str, building: str) -> str:
    """Does what Grafana's InfluxDB data source does to the macros before sending."""
    query = query.replace("$timeFilter", "time > now() - 1h")
    query = query.replace("$__interval", "10s")
    return query.replace("$building", re.escape(building))


def _values(influx1: Influx1, query: str) -> list[Any]:
    (result,) = influx1.query(query)
    assert "error" not in result, f"{query}: {result['error']}"
    return [row for series in result.get("series", []) for row in series["values"]]


def _latest(rows: list[Any]) -> Any:
    return next(row[1] for row in reversed(rows) if row[1] is not None)


@pytest.mark.services
def test_every_panel_query_runs_and_shows_the_street(
    mosquitto: Mosquitto, influx1: Influx1, make_gateway: GatewayFactory, building: str
) -> None:
    make_gateway(
        mqtt_url=mosquitto.url,
        influx={"url": influx1.url, "api": "v1", "database": influx1.database},
        series={"status_every_s": 0.5},
    ).start()
    with Publisher(mosquitto.url) as pub:
        for lel in (8.0, 31.5, 62.0):
            pub.publish(
                topic(building, "gas", "gas-1", "telemetry"), {"type": "reading", "lel_pct": lel}
            )
        pub.publish(topic(building, "smoke", "smoke-1"), {"type": "alarm"})
        pub.publish(topic(building, "smoke", "smoke-2"), {"type": "heartbeat"})
        pub.publish(topic(building, "gas", "gas-2"), {"type": "alarm", "level": "high"})
        for _ in range(3):
            pub.publish(
                topic(building, "ebike", "lift-1"), {"type": "ebike_detected", "confidence": 0.95}
            )
        pub.publish(
            topic(building, "ebike", "lift-1"), {"type": "ebike_detected", "confidence": 0.4}
        )

    queries = {ref: _expand(q, building) for ref, q in _queries().items()}
    assert len(queries) == 11  # 8 panels; some have several targets

    wait_for(
        lambda: _values(influx1, queries["1A"]) and _latest(_values(influx1, queries["1A"])) >= 2,
        timeout=15,
        what="status points counting the smoke and gas alarms",
    )
    assert _latest(_values(influx1, queries["2A"])) == 5  # devices online
    assert _latest(_values(influx1, queries["2B"])) == 5  # devices known
    assert _latest(_values(influx1, queries["3A"])) == 62.0  # peak gas
    assert _latest(_values(influx1, queries["4A"])) == 3  # confident e-bike detections only
    gas_series = _values(influx1, queries["5A"])
    assert max(row[1] for row in gas_series) == 62.0
    assert sum(row[1] for row in _values(influx1, queries["6A"])) == 1  # one smoke alarm event
    assert sum(row[1] for row in _values(influx1, queries["6B"])) == 1  # gas-2's own alarm
    assert _latest(_values(influx1, queries["6C"])) >= 2
    assert sum(row[1] for row in _values(influx1, queries["7A"])) == 3
    assert _latest(_values(influx1, queries["8A"])) == 5


def test_dashboard_is_generated_from_its_source() -> None:
    """siteguard.json is the output of make_dashboard.py: edit the script, not the JSON."""
    import runpy

    generated = runpy.run_path(str(DASHBOARD.with_name("make_dashboard.py")))["DASHBOARD"]
    assert json.loads(DASHBOARD.read_text(encoding="utf-8")) == generated
