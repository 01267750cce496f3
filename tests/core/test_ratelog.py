from __future__ import annotations

import pytest

from core.ratelog import LogLimiter


def test_one_line_per_key_per_interval() -> None:
    limiter = LogLimiter(interval_ms=1_000)
    assert limiter.due("a", 0)
    assert not limiter.due("a", 999)
    assert limiter.due("b", 999)  # keys are independent
    assert limiter.due("a", 1_000)
    assert not limiter.due("a", 1_500)  # counted from the last line, not the first


def test_zero_interval_always_logs() -> None:
    limiter = LogLimiter(interval_ms=0)
    assert all(limiter.due("a", 5) for _ in range(3))


def test_memory_is_bounded_and_the_oldest_are_forgotten() -> None:
    limiter = LogLimiter(interval_ms=60_000, max_keys=100)
    for i in range(1_000):
        assert limiter.due(f"k{i}", i)
        assert len(limiter) <= 100
    assert not limiter.due("k999", 1_000)  # recent: still remembered
    assert limiter.due("k0", 1_000)  # long forgotten: may log again


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="interval_ms"):
        LogLimiter(interval_ms=-1)
    with pytest.raises(ValueError, match="max_keys"):
        LogLimiter(interval_ms=1, max_keys=1)
