"""Series sinks by name, and which one a configuration asks for.

Each sink file declares its ``PLUGIN`` (``SinkPlugin(name=..., build=...)``); ``BUILTIN``
collects the ones SiteGuard ships. The configuration names no sink directly (its format is
``influx.url`` and ``influx.api``), so ``configured(settings)`` reads the name from them:
``embedded`` when ``influx.url`` is empty, else ``influx_<api>``. A test adds its own sink
with ``default_registry().with_plugins(sink.plugin())`` and asks for it by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from core.config import ConfigError, Settings
from gateway.series.sinks import embedded, influx_v1, influx_v2
from gateway.series.sinks.base import SeriesSink, SinkPlugin

BUILTIN: Final[tuple[SinkPlugin, ...]] = (embedded.PLUGIN, influx_v1.PLUGIN, influx_v2.PLUGIN)


def configured(settings: Settings) -> str:
    """The sink the configuration asks for."""
    return f"influx_{settings.influx.api}" if settings.influx.url else "embedded"


class SinkRegistry:
    """Sink plugins by name; a value: ``with_plugins`` returns a new registry."""

    def __init__(self, plugins: Iterable[SinkPlugin]) -> None:
        self._plugins: dict[str, SinkPlugin] = {}
        for plugin in plugins:
            if plugin.name in self._plugins:
                raise ValueError(f"two series sinks named {plugin.name!r}")
            self._plugins[plugin.name] = plugin

    def with_plugins(self, *plugins: SinkPlugin) -> SinkRegistry:
        return SinkRegistry([*self._plugins.values(), *plugins])

    @property
    def names(self) -> list[str]:
        return sorted(self._plugins)

    def create(self, settings: Settings, *, name: str | None = None) -> SeriesSink:
        """The sink named ``name``, or else the one the configuration asks for."""
        wanted = name if name is not None else configured(settings)
        plugin = self._plugins.get(wanted)
        if plugin is None:
            raise ConfigError(f"influx: no series sink {wanted!r} (known: {', '.join(self.names)})")
        return plugin.build(settings)


def default_registry() -> SinkRegistry:
    """The sinks SiteGuard ships."""
    return SinkRegistry(BUILTIN)
