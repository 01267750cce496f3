"""Series sinks by name: the configuration picks one (embedded, InfluxDB 1.x or 2.x), a test
adds its own through the registry, and the FakeSink answers as it is told."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.config import ConfigError, Settings
from gateway.series.point import Point
from gateway.series.sinks import SinkRejected, SinkUnavailable, create_sink
from gateway.series.sinks.embedded import EmbeddedSink
from gateway.series.sinks.fake import FakeSink
from gateway.series.sinks.influx_v1 import InfluxV1Sink
from gateway.series.sinks.influx_v2 import InfluxV2Sink
from gateway.series.sinks.registry import configured, default_registry


def point(i: int) -> Point:
    return Point(
        measurement="gas", tags=(("building", "B1"), ("device", "d1")), fields={"lel": i}, ts_us=i
    )


@pytest.mark.parametrize(
    ("influx", "name", "kind"),
    [
        ({}, "embedded", EmbeddedSink),
        ({"url": "http://127.0.0.1:8086", "api": "v1"}, "influx_v1", InfluxV1Sink),
        ({"url": "http://127.0.0.1:8086", "api": "v2"}, "influx_v2", InfluxV2Sink),
    ],
)
def test_the_configuration_picks_the_sink(
    tmp_path: Path, influx: dict[str, str], name: str, kind: type
) -> None:
    settings = Settings(data_dir=tmp_path, influx=influx)  # type: ignore[arg-type]
    assert configured(settings) == name
    sink = create_sink(settings)  # builds a client; connects only when it writes
    try:
        assert isinstance(sink, kind) and sink.name == name
    finally:
        asyncio.run(sink.close())


def test_a_sink_added_through_the_registry_is_chosen_by_name(tmp_path: Path) -> None:
    sink = FakeSink()
    registry = default_registry().with_plugins(sink.plugin())
    assert registry.names == ["embedded", "fake", "influx_v1", "influx_v2"]
    assert registry.create(Settings(data_dir=tmp_path), name="fake") is sink
    with pytest.raises(ConfigError, match=r"no series sink 'fakes' \(known: embedded, fake,"):
        registry.create(Settings(data_dir=tmp_path), name="fakes")
    with pytest.raises(ValueError, match="two series sinks named 'fake'"):
        registry.with_plugins(FakeSink().plugin())


def test_the_fake_sink_fails_rejects_and_holds_as_told() -> None:
    sink = FakeSink()

    async def main() -> None:
        sink.fail(2)
        for _ in range(2):
            with pytest.raises(SinkUnavailable):
                await sink.write([point(1)])
        sink.reject_next = 1
        with pytest.raises(SinkRejected):
            await sink.write([point(1)])
        await sink.write([point(1)])
        sink.hold()
        held = asyncio.create_task(sink.write([point(2), point(3)]))
        await asyncio.sleep(0)
        assert not held.done() and len(sink.points) == 1
        sink.release()
        assert [p.fields["lel"] for p in await sink.wait_points(3)] == [1, 2, 3]
        await held
        await sink.close()

    asyncio.run(main())
    assert sink.attempts == 5 and sink.closed
