"""Times on the wire are RFC 3339 in UTC; inside, they are epoch milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(ms: int | None) -> str | None:
    if ms is None:
        return None
    text = datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_rfc3339(text: str) -> int:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return int(parsed.timestamp() * 1000)
