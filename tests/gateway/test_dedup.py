from __future__ import annotations

from gateway.dedup import Deduplicator

WINDOW = 600_000


def test_repeat_within_window_is_seen_with_first_point_time() -> None:
    d = Deduplicator(window_ms=WINDOW)
    assert d.seen("dev", "m1", 1_000) is None
    d.remember("dev", "m1", 1_000, point_us=1_000_007)
    assert d.seen("dev", "m1", 1_000 + WINDOW) == 1_000_007  # exactly at the window: still a repeat
    assert d.seen("other", "m1", 2_000) is None  # ids are per device


def test_forgotten_after_window() -> None:
    d = Deduplicator(window_ms=WINDOW)
    d.remember("dev", "m1", 1_000, point_us=1)
    assert d.seen("dev", "m1", 1_000 + WINDOW + 1) is None
    assert len(d) == 0


def test_bounded_by_count_too_the_oldest_forgotten_first() -> None:
    dedup = Deduplicator(window_ms=600_000, max_entries=3)
    for i in range(5):
        dedup.remember("d1", f"m{i}", received_ms=i, point_us=i)
    assert len(dedup) == 3
    assert dedup.seen("d1", "m0", now_ms=5) is None and dedup.seen("d1", "m4", now_ms=5) == 4
