"""Series sinks: where batches of points go. One small interface, one file per target."""

from gateway.series.sinks.base import SeriesSink, SinkRejected, SinkUnavailable
from gateway.series.sinks.factory import create_sink

__all__ = ["SeriesSink", "SinkRejected", "SinkUnavailable", "create_sink"]
