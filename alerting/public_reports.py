"""Public hazard reports (举报, plan item 19; docs/public-reports.md) as pure values: what a
category becomes as a ticket, the tracking code, a phone number checked and masked, and the
progress a reporter may see (statuses and times: no names, no notes)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Final

from alerting.labels import PUBLIC_CATEGORY

CATEGORIES: Final = tuple(PUBLIC_CATEGORY)
# category -> (ticket category, severity): a smell of gas is urgent; the rest are hazards
# for the desk to assign.
TICKET_OF: Final[dict[str, tuple[str, str]]] = {
    "fire_exit_blocked": ("fire", "warning"),
    "ebike_charging": ("ebike", "warning"),
    "ebike_in_elevator": ("ebike", "warning"),
    "gas_smell": ("gas", "critical"),
    "equipment_broken": ("device", "warning"),
    "other": ("inspection", "warning"),
}
# Crockford's base32 without the look-alikes: read aloud or typed from a phone's screen.
_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PHONE: Final = re.compile(r"^\+?[0-9][0-9 -]{6,18}[0-9]$")


class ReportInvalid(ValueError):
    """A report that cannot be taken; the message says why."""


def tracking_code() -> str:
    """Ten random characters (50 bits) as ``XXXXX-XXXXX``: not guessable within the rate
    limits, short enough to copy by hand."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def normal_code(text: str) -> str:
    """A code as typed (lower case, spaces, O for 0, I or L for 1) in its canonical form."""
    cleaned = text.strip().upper().replace(" ", "").replace("-", "")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    return f"{cleaned[:5]}-{cleaned[5:]}" if len(cleaned) == 10 else cleaned


def check_contact(text: str | None) -> str | None:
    """A phone number for feedback, digits only (and a leading +); None when none given."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if not _PHONE.match(value):
        raise ReportInvalid("contact: a phone number (digits, spaces or dashes), or nothing")
    return ("+" if value.startswith("+") else "") + re.sub(r"[^0-9]", "", value)


def mask(phone: str | None) -> str | None:
    """``138****5678``: enough to recognise, not to call."""
    if phone is None:
        return None
    digits = phone.lstrip("+")
    if len(digits) <= 4:
        return "*" * len(digits)
    keep = 3 if len(digits) >= 11 else 1
    return digits[:keep] + "*" * (len(digits) - keep - 4) + digits[-4:]


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One line of a report's progress as the reporter sees it."""

    at_ms: int
    status: str


def progress(history: list[tuple[int, str | None, str]]) -> list[Step]:
    """The ticket's moves as (time, status reached), escalations and register lines left out
    (they say nothing the reporter needs, and their notes are the office's)."""
    return [Step(at_ms=at, status=to) for at, frm, to in history if frm != to]
