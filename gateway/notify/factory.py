"""The notifiers a configuration names, plus the log, which is always on: built by the
notifier registry (``gateway/notify/registry.py``) from each channel's plugin."""

from __future__ import annotations

from core.config import NotifyConfig
from gateway.notify import text
from gateway.notify.base import Notifier
from gateway.notify.registry import NotifierRegistry, default_registry


def create_notifiers(
    config: NotifyConfig,
    describe: text.Describe | None = None,
    *,
    registry: NotifierRegistry | None = None,
) -> dict[str, Notifier]:
    """``registry``: the plugins to build from (the built-in channels when not given);
    raises ConfigError for a channel table its plugin refuses."""
    return (registry or default_registry()).create(config, describe)
