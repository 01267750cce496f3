"""Which sink a configuration asks for."""

from __future__ import annotations

from core.config import Settings
from gateway.series.sinks.base import SeriesSink
from gateway.series.sinks.embedded import EmbeddedSink
from gateway.series.sinks.influx_v1 import InfluxV1Sink
from gateway.series.sinks.influx_v2 import InfluxV2Sink


def create_sink(settings: Settings) -> SeriesSink:
    if not settings.influx.url:
        return EmbeddedSink(path=settings.series_embedded_path)
    if settings.influx.api == "v1":
        return InfluxV1Sink(config=settings.influx)
    return InfluxV2Sink(config=settings.influx)
