"""The composition root: the service's assembly (``app``), the CLI, the demo. Nothing below
imports it."""

from core import __version__

__all__ = ["__version__"]
