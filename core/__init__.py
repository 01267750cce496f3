"""The bottom layer: what every other package shares (clock, ids, configuration, time
formats, text checks). It imports nothing of SiteGuard's."""

__version__ = "0.1.0"
