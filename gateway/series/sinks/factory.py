"""Which sink a configuration asks for, built by the sink registry
(``gateway/series/sinks/registry.py``)."""

from __future__ import annotations

from core.config import Settings
from gateway.series.sinks.base import SeriesSink
from gateway.series.sinks.registry import SinkRegistry, default_registry


def create_sink(settings: Settings, *, registry: SinkRegistry | None = None) -> SeriesSink:
    """``registry``: the sinks to choose from (the built-in ones when not given)."""
    return (registry or default_registry()).create(settings)
