"""The same seed gives byte-identical message sequences; a different seed does not."""

from __future__ import annotations

import itertools
import random

from simulators.fleet import Fleet
from simulators.load import load_messages
from simulators.message import SimMessage
from simulators.models import EbikeBlocker
from simulators.scenario import builtin, builtin_names
from simulators.show import incidents
from simulators.street import build_street

START = 1_790_000_000_000  # a fixed moment: the e-bike profile follows the time of day


def fleet(seed: int, n: int = 3000) -> list[SimMessage]:
    stream = Fleet(build_street(), seed=seed, smoke_heartbeat_s=300, gas_report_s=15).stream(START)
    return list(itertools.islice(stream, n))


def test_fleet_is_deterministic() -> None:
    first, second = fleet(7), fleet(7)
    assert [(m.at_ms, m.topic, m.payload) for m in first] == [
        (m.at_ms, m.topic, m.payload) for m in second
    ]
    assert fleet(8) != first
    assert [m.at_ms for m in first] == sorted(m.at_ms for m in first)


def test_show_and_load_and_scenarios_are_deterministic() -> None:
    street = build_street()
    assert incidents(street, cycle=2, start_ms=START, seed=3) == incidents(
        street, cycle=2, start_ms=START, seed=3
    )
    assert incidents(street, cycle=2, start_ms=START, seed=3) != incidents(
        street, cycle=2, start_ms=START, seed=4
    )
    load = {"buildings": 5, "per_building": 10, "rate": 1000.0, "duration_s": 2.0}
    assert list(load_messages(seed=1, **load)) == list(load_messages(seed=1, **load))  # type: ignore[arg-type]
    assert list(load_messages(seed=1, **load)) != list(load_messages(seed=2, **load))  # type: ignore[arg-type]
    for name in builtin_names():
        assert builtin(name).messages(tag="t") == builtin(name).messages(tag="t")


def test_devices_behave_like_devices() -> None:
    messages = fleet(1, n=20_000)
    span_s = (messages[-1].at_ms - messages[0].at_ms) / 1000
    by_type = {
        kind: [m for m in messages if f"/{kind}/" in m.topic] for kind in ("smoke", "gas", "ebike")
    }
    # Gas detectors report every 15 s here; 48 of them.
    assert 48 * span_s / 15 * 0.9 < len(by_type["gas"]) < 48 * span_s / 15 * 1.1
    readings = [m for m in by_type["gas"] if b'"reading"' in m.payload]
    assert readings and all(b'"lel_pct"' in m.payload for m in readings)
    assert any(b'"heartbeat"' in m.payload for m in by_type["ebike"])
    ids = [m.payload.split(b'"id":"')[1].split(b'"')[0] for m in messages]
    assert len(set(ids)) == len(ids)  # message ids are unique, so nothing looks like a repeat


def test_the_street_is_the_one_promised() -> None:
    street = build_street()
    assert len({b.community for b in street}) == 3
    assert len(street) == 12
    assert sum(len(b.devices) for b in street) == 300
    imeis = [d.imei for b in street for d in b.devices]
    assert len(set(imeis)) == len(imeis)
    cycle = incidents(street, cycle=0, start_ms=0, seed=1)
    assert cycle[-1].at_ms < 300_000


def test_periodic_messages_keep_their_rhythm_across_windows() -> None:
    blocker = EbikeBlocker(device_id="e", building_id="b", rng=random.Random(1), heartbeat_s=25,
                           detections_per_day=0)  # fmt: skip
    beats = []
    for w in range(0, 3_600_000, 10_000):  # an hour in 10 s windows, as the fleet asks
        beats += [m.at_ms for m in blocker.messages(w, w + 10_000) if b"heartbeat" in m.payload]
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert 140 <= len(beats) <= 146
    assert max(gaps) <= 25_000 * 1.05 + 1 and min(gaps) >= 25_000 * 0.95 - 1
