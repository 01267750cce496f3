"""Text people type into SiteGuard (names, titles, notes), refused with a clear 422 when it
carries control characters.

A newline in a building name breaks an e-mail subject and a robot message; an escape or a
bidirectional override makes a ticket title say one thing on screen and another in the
export. Names and titles are one line; notes may have line breaks and tabs.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

# Bidirectional embeddings, overrides and isolates: invisible, and they reorder what follows.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NOTE_ALLOWED = frozenset("\n\t")


def _refuse(value: str, allowed: frozenset[str]) -> str:
    for char in value:
        if char in allowed:
            continue
        if char in _BIDI or unicodedata.category(char) == "Cc":
            raise ValueError(
                f"control character U+{ord(char):04X} is not allowed here"
                + ("" if allowed else " (one line, no tabs)")
            )
    return value


def single_line(value: str) -> str:
    return _refuse(value, frozenset())


def multi_line(value: str) -> str:
    return _refuse(value.replace("\r\n", "\n"), _NOTE_ALLOWED)


def line(max_length: int) -> tuple[StringConstraints, AfterValidator]:
    """The metadata of a one-line text: ``Annotated[str, *line(200)]``."""
    return StringConstraints(strip_whitespace=True, max_length=max_length), AfterValidator(
        single_line
    )


Name = Annotated[str, *line(500)]  # a building's name, address, contact...
Note = Annotated[str, StringConstraints(max_length=2000), AfterValidator(multi_line)]
