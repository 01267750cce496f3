"""What every section shares: the error, the frozen strict model, and URL redaction."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
)

ENV_PREFIX = "SITEGUARD_"
# Environment variables with the prefix that are not configuration keys.
NON_CONFIG_ENV = frozenset({"SITEGUARD_CONFIG", "SITEGUARD_REQUIRE_SERVICES"})


SECRET_KEYS = frozenset({"password", "token", "admin_token", "export_token", "secret"})


class ConfigError(Exception):
    """The configuration cannot be used; the message names every offending key."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def redact_url(url: str) -> str:
    """``scheme://user:***@host/path?key=***``: credentials and query values hidden (webhook
    URLs carry their access tokens in the query)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<not a URL>"
    netloc = parts.netloc
    if "@" in netloc:
        user = netloc.rsplit("@", 1)[0].split(":", 1)[0]
        netloc = f"{user}:***@{netloc.rsplit('@', 1)[1]}"
    query = "&".join(f"{pair.split('=', 1)[0]}=***" for pair in parts.query.split("&") if pair)
    return parts._replace(netloc=netloc, query=query, fragment="").geturl()
