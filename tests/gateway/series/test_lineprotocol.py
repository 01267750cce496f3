from __future__ import annotations

from adapters.events import Event
from gateway.series.lineprotocol import render, render_point
from gateway.series.point import Point, PointClock, event_point


def test_escaping_and_field_types() -> None:
    point = Point(
        measurement="gas",
        tags=(("building", "B 1"), ("community", "河东,东区"), ("device", "a=b")),
        fields={"count": 1, "lel_pct": 26.0, "ok": True, "note": 'say "hi"'},
        ts_us=1_700_000_000_000_123,
    )
    assert render_point(point) == (
        r"gas,building=B\ 1,community=河东\,东区,device=a\=b "
        r'count=1i,lel_pct=26.0,ok=true,note="say \"hi\"" 1700000000000123'
    )
    assert render([point, point]).count(b"\n") == 1


def test_a_backslash_at_the_end_of_a_tag_does_not_swallow_the_next() -> None:
    point = Point("gas", (("building", "B1"), ("community", "Foo\\")), {"count": 1}, 5)
    assert render_point(point) == "gas,building=B1,community=Foo\\\\ count=1i 5"


def test_event_point_schema() -> None:
    event = Event(
        building_id="B1",
        device_id="g1",
        device_type="gas",
        type="alarm",
        received_ms=5,
        ts_ms=5,
        level="high",
        gas="lpg",
        lel_pct=55.0,
        battery_pct=70.0,
    )
    point = event_point(event, community="东区", ts_us=5000)
    assert point.measurement == "gas"
    assert dict(point.tags) == {
        "building": "B1",
        "device": "g1",
        "type": "alarm",
        "community": "东区",
        "level": "high",
        "gas": "lpg",
    }
    assert [k for k, _ in point.tags] == sorted(k for k, _ in point.tags)
    assert point.fields == {"count": 1, "lel_pct": 55.0, "battery_pct": 70.0}


def test_point_clock_separates_events_of_one_millisecond() -> None:
    clock = PointClock()
    assert [clock.time_us("d", 7) for _ in range(3)] == [7000, 7001, 7002]
    assert clock.time_us("e", 7) == 7000
    assert clock.time_us("d", 8) == 8000


def test_cached_renderer_matches_the_plain_one() -> None:
    from gateway.series.lineprotocol import LineProtocol

    points = [
        Point(
            "gas",
            (("building", "B 1"), ("device", f"d{i % 3}")),
            {"count": 1, "lel_pct": i / 3, "ok": i % 2 == 0},
            i,
        )
        for i in range(10)
    ]
    renderer = LineProtocol()
    expected = "\n".join(render_point(p) for p in points).encode()
    assert renderer.render(points) == expected
    assert renderer.render(points) == expected  # with warm caches
