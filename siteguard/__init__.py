"""SiteGuard: the core package holds what every layer shares (clock, ids, config) and the CLI."""

__version__ = "0.1.0"
