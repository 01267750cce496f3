"""Time-ordered unique ids (ULID text form).

Ids are generated in-process rather than by the database so that a write-set can be
spooled while the database is down and replayed later without changing meaning.
"""

from __future__ import annotations

import os

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Two characters (10 bits) at a time: 13 look-ups per id instead of 26.
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)


_SHIFTS = tuple(range(120, -10, -10))


class IdFactory:
    """Monotonic ULIDs: 48 bits of milliseconds, then 80 bits that increase within a millisecond."""

    def __init__(self) -> None:
        self._last_ms = -1
        self._last_rand = 0

    def new(self, now_ms: int) -> str:
        if now_ms > self._last_ms:
            self._last_ms = now_ms
            self._last_rand = int.from_bytes(os.urandom(10), "big") >> 1  # room to increment
        else:
            self._last_rand += 1
        value = (self._last_ms << 80) | self._last_rand
        return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])
