"""Series sinks: where batches of points go. One small interface, one file per target, each
declaring its ``PLUGIN``; ``registry`` collects them and picks the configured one."""

from gateway.series.sinks.base import SeriesSink, SinkPlugin, SinkRejected, SinkUnavailable
from gateway.series.sinks.factory import create_sink

__all__ = ["SeriesSink", "SinkPlugin", "SinkRejected", "SinkUnavailable", "create_sink"]
