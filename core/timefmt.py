"""Times on the wire are RFC 3339 in UTC; inside, they are epoch milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(ms: int | None) -> str | None:
    if ms is None:
        return None
    text = datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


_YEAR_10000_MS = 253_402_300_800_000


def parse_rfc3339(text: str) -> int:
    """Milliseconds since the epoch; ValueError (saying why) for anything else, including
    times before 1970 or after 9999."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    try:
        ms = int(parsed.timestamp() * 1000)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"{text!r} is out of range") from exc
    if not 0 <= ms < _YEAR_10000_MS:
        raise ValueError(f"{text!r} is out of range (1970 to 9999)")
    return ms
