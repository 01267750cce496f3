from __future__ import annotations

import re

from core.ids import IdFactory

ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")


def test_ids_are_ulids_ordered_by_time_and_within_a_millisecond() -> None:
    factory = IdFactory()
    ids = [factory.new(1_790_000_000_000 + i // 4) for i in range(1000)]
    assert all(ULID.fullmatch(i) for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_the_time_is_readable_from_the_first_ten_characters() -> None:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    text = IdFactory().new(1_790_000_000_123)[:10]
    ms = 0
    for char in text:
        ms = ms * 32 + alphabet.index(char)
    assert ms == 1_790_000_000_123
