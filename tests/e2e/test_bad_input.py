"""Garbage between valid messages: every valid one is processed, every bad one is counted by
reason and kept in the dead letters, and the gateway carries on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import GatewayFactory
from tests.support.mqtt import PREFIX, Publisher, topic
from tests.support.servers import Mosquitto, wait_for

BAD = [
    # (topic suffix or full topic, payload, expected reason)
    ("gas/g-bad/telemetry", b"not json at all", "not_json"),
    ("gas/g-bad/telemetry", b"\xff\xfe\x00garbage", "not_json"),
    ("gas/g-bad/telemetry", b"[1, 2, 3]", "not_object"),
    ("gas/g-bad/telemetry", b'{"lel_pct": 5}', "missing_type"),
    ("gas/g-bad/telemetry", b'{"type": "explode"}', "unknown_type"),
    ("smoke/s-bad/event", b'{"type": "reading", "lel_pct": 5}', "unknown_type"),
    ("gas/g-bad/telemetry", b'{"type": "reading"}', "missing_field:lel_pct"),
    ("gas/g-bad/telemetry", b'{"type": "reading", "lel_pct": "high"}', "wrong_type:lel_pct"),
    ("gas/g-bad/telemetry", b'{"type": "reading", "lel_pct": 150}', "out_of_range:lel_pct"),
    (
        "gas/g-bad/telemetry",
        b'{"type": "reading", "lel_pct": 5, "battery_pct": -1}',
        "out_of_range:battery_pct",
    ),
    (
        "ebike/e-bad/event",
        b'{"type": "ebike_detected", "confidence": 1.5}',
        "out_of_range:confidence",
    ),
    ("smoke/s-bad/event", b'{"type": "alarm", "ts": "yesterday"}', "bad_value:ts"),
    ("smoke/s-bad/event", b'{"type": "alarm", "note": "\xff\xfe"}', "not_json"),  # not UTF-8
    ("smoke/s-bad/event", b'{"type": "alarm", "id": 17}', "wrong_type:id"),
    (
        "gas/g-bad/telemetry",
        json.dumps({"type": "reading", "lel_pct": 1, "pad": "x" * 70_000}).encode(),
        "payload_too_large",
    ),
    ("toaster/t1/event", b'{"type": "alarm"}', "bad_topic"),
    ("gas/g bad!/telemetry", b'{"type": "reading", "lel_pct": 1}', "bad_topic"),
]
# Topics no subscription of the gateway matches (docs/architecture.md, "Two lanes"): not
# received, so neither processed nor dead-lettered.
UNSUBSCRIBED = [
    ("gas/g1/telemetry/extra", b'{"type": "reading", "lel_pct": 1}'),
    ("gas/g1/diary", b'{"type": "reading", "lel_pct": 1}'),
]


@pytest.mark.services
def test_garbage_between_valid_messages(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str, tmp_path: Path
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    messages: list[tuple[str, bytes | dict[str, object]]] = []
    for i, (suffix, payload, _reason) in enumerate(BAD):
        messages.append(
            (
                topic(building, "gas", "good-1", "telemetry"),
                {"type": "reading", "lel_pct": float(i), "id": f"ok-{i}"},
            )
        )
        messages.append((f"{PREFIX}/{building}/{suffix}", payload))
    messages += [(f"{PREFIX}/{building}/{suffix}", payload) for suffix, payload in UNSUBSCRIBED]
    messages.append(
        (
            topic(building, "gas", "good-1", "telemetry"),
            {"type": "reading", "lel_pct": 99.0, "id": "ok-last"},
        )
    )
    with Publisher(mosquitto.url) as pub:
        pub.publish_many(messages)  # type: ignore[arg-type]

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'siteguard.db'}")

    def dead_letters() -> list[sa.Row[tuple[str, str, bytes]]]:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text("SELECT reason, topic, payload FROM dead_letters WHERE topic LIKE :t"),
                    {"t": f"{PREFIX}/{building}/%"},
                )
            )

    wait_for(lambda: len(dead_letters()) == len(BAD), timeout=10, what="every dead letter")
    kept = dead_letters()
    # Raw bytes are kept with the reason (an oversized payload is truncated to the limit).
    assert sorted((r.reason, bytes(r.payload)) for r in kept) == sorted(
        (reason, payload[:65536]) for _, payload, reason in BAD
    )

    # Every valid message was processed, in order, after all that garbage.
    wait_for(
        lambda: gateway.get("/api/v1/devices/good-1")["readings"][0]["lel_pct"] == 99.0,
        timeout=5,
        what="the last good reading",
    )
    # The last good reading, published after them on the same lane, is the barrier.
    unsubscribed = {f"{PREFIX}/{building}/{suffix}" for suffix, _ in UNSUBSCRIBED}
    assert not [r for r in dead_letters() if r.topic in unsubscribed]
    metrics = gateway.metrics()
    for reason in {r for _, _, r in BAD}:
        expected = sum(1 for _, _, r in BAD if r == reason)
        assert metrics[f'siteguard_messages_rejected_total{{reason="{reason}"}}'] == expected, (
            reason
        )
    assert metrics['siteguard_events_accepted_total{device_type="gas"}'] == len(BAD) + 1
    # A rejected message does not register its device.
    ids = {d["device_id"] for d in gateway.get("/api/v1/devices", building=building)["items"]}
    assert ids == {"good-1"}
    # Duplicates are dropped and counted.
    with Publisher(mosquitto.url) as pub:
        pub.publish(
            topic(building, "gas", "good-1", "telemetry"),
            {"type": "reading", "lel_pct": 1.0, "id": "ok-0"},
        )
    wait_for(
        lambda: gateway.metrics().get("siteguard_messages_duplicate_total") == 1,
        timeout=5,
        what="dup",
    )
    assert gateway.get("/api/v1/devices/good-1")["readings"][0]["lel_pct"] == 99.0
    engine.dispose()
