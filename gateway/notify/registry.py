"""Notifier plugins by ``type``: a configuration's channel tables, checked and built.

Each channel file declares its ``PLUGIN`` (``gateway/notify/plugin.py``: its ``type``, its
configuration class, what builds it); ``BUILTIN`` collects the ones SiteGuard ships and
``default_registry()`` holds them. A test, or a site's own build, adds more with
``default_registry().with_plugins(PLUGIN)``. Core's ``NotifyConfig`` keeps each channel as a
``ChannelTable`` (``type`` and the rest as written): core sits below the gateway and cannot
know the plugins. Here each table becomes its plugin's configuration, with errors that name
the key (``notify.channels.duty.url: Field required``) and never show a secret.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterable
from typing import Any, Final, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from core.config import ChannelTable, ConfigError, NotifyConfig, describe_errors
from gateway.notify import dingtalk, email, feishu, text, webhook, wecom
from gateway.notify.base import Notifier
from gateway.notify.channel import ChannelBase
from gateway.notify.log import LogNotifier
from gateway.notify.plugin import NotifierPlugin

BUILTIN: Final[tuple[NotifierPlugin[Any], ...]] = (
    webhook.PLUGIN,
    wecom.PLUGIN,
    dingtalk.PLUGIN,
    feishu.PLUGIN,
    email.PLUGIN,
)


class NotifierRegistry:
    """Plugins by ``type``; a value: ``with_plugins`` returns a new registry."""

    def __init__(self, plugins: Iterable[NotifierPlugin[Any]]) -> None:
        self._plugins: dict[str, NotifierPlugin[Any]] = {}
        for plugin in plugins:
            if plugin.type in self._plugins:
                raise ValueError(f"two notifier plugins of type {plugin.type!r}")
            self._plugins[plugin.type] = plugin

    def with_plugins(self, *plugins: NotifierPlugin[Any]) -> NotifierRegistry:
        return NotifierRegistry([*self._plugins.values(), *plugins])

    @property
    def plugins(self) -> tuple[NotifierPlugin[Any], ...]:
        """In the order they were registered (the configuration reference's order)."""
        return tuple(self._plugins.values())

    @property
    def types(self) -> list[str]:
        return sorted(self._plugins)

    def problems(self, config: NotifyConfig) -> list[str]:
        """Every bad channel table of ``config``, one line per bad key."""
        out: list[str] = []
        for name, table in config.channels.items():
            checked = self._check(name, table)
            if isinstance(checked, list):
                out += checked
        return out

    def check(self, config: NotifyConfig) -> None:
        """Raise ConfigError naming every bad key of ``config``'s channels."""
        problems = self.problems(config)
        if problems:
            raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))

    def create(
        self, config: NotifyConfig, describe: text.Describe | None = None
    ) -> dict[str, Notifier]:
        """The log (always on) and a notifier per channel table, by name."""
        self.check(config)
        notifiers: dict[str, Notifier] = {"log": LogNotifier()}
        for name, table in config.channels.items():
            checked = self._check(name, table)
            assert not isinstance(checked, list)  # checked above
            plugin, channel = checked
            notifiers[name] = plugin.build(name=name, config=channel, describe=describe)
        return notifiers

    def _check(
        self, name: str, table: ChannelTable
    ) -> tuple[NotifierPlugin[Any], ChannelBase] | list[str]:
        plugin = self._plugins.get(table.type)
        if plugin is None:
            shown = table.type if len(table.type) <= 40 else table.type[:37] + "..."
            return [
                f"notify.channels.{name}.type: unknown channel type {shown!r} "
                f"(known: {', '.join(self.types)})"
            ]
        try:
            channel = plugin.config.model_validate(_decoded(plugin.config, table.values()))
        except ValidationError as exc:
            return describe_errors(exc, at=("notify", "channels", name))
        return plugin, channel


def default_registry() -> NotifierRegistry:
    """The channels SiteGuard ships."""
    return NotifierRegistry(BUILTIN)


def _decoded(config: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """An environment variable overriding a list arrives as text
    (``SITEGUARD_NOTIFY__CHANNELS__MAIL__TO='["duty@example.cn"]'``): read it as JSON, as
    pydantic-settings does for the keys core declares. Text that is not JSON is left for the
    plugin's validation to name."""
    out = dict(values)
    for key, value in values.items():
        field = config.model_fields.get(key)
        if field is None or not isinstance(value, str) or not _structured(field.annotation):
            continue
        try:
            out[key] = json.loads(value)
        except ValueError:
            continue
    return out


def _structured(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_structured(arg) for arg in get_args(annotation))
    if origin in (list, dict, set, frozenset, tuple):
        return True
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
