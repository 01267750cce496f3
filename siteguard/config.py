"""The configuration as the service reads it: core's ``load_settings`` (every section, every
key named in its errors) and what only the gateway's plugins can check, the keys of each
``[notify.channels.<name>]`` table (core sits below the gateway and cannot know them)."""

from __future__ import annotations

from pathlib import Path

from core.config import ConfigError, Settings, load_settings
from gateway.notify.registry import NotifierRegistry, default_registry


def load_config(path: Path | None, *, notifiers: NotifierRegistry | None = None) -> Settings:
    """Read ``path`` (optional) and the environment; raise ConfigError naming each bad key.
    ``notifiers``: the notifier plugins channel tables may name (the built-in ones)."""
    settings = load_settings(path)
    problems = (notifiers or default_registry()).problems(settings.notify)
    if problems:
        where = f" in {path}" if path else ""
        raise ConfigError(f"invalid configuration{where}:\n  " + "\n  ".join(problems))
    return settings
