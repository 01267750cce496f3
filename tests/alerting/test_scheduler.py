from __future__ import annotations

from alerting.scheduler import Scheduler


def test_fires_in_due_order_at_and_not_before() -> None:
    s: Scheduler[str] = Scheduler()
    s.set("b", 200)
    s.set("a", 100)
    assert s.pop_due(99) == []
    assert s.pop_due(100) == [("a", 100)]
    assert s.pop_due(1000) == [("b", 200)]
    assert len(s) == 0 and s.next_due() is None


def test_extending_moves_the_timer_without_growing_the_heap() -> None:
    s: Scheduler[str] = Scheduler()
    for t in range(0, 10_000, 10):
        s.set("lease", 1000 + t)  # a device renewing its lease with every message
    assert s.heap_entries == 1
    assert s.pop_due(1000) == []  # the old deadline no longer applies
    assert s.due("lease") == 10_990
    assert s.pop_due(10_989) == []
    assert s.pop_due(10_990) == [("lease", 10_990)]


def test_shortening_and_cancelling() -> None:
    s: Scheduler[str] = Scheduler()
    s.set("x", 500)
    s.set("x", 100)
    assert s.pop_due(100) == [("x", 100)]
    assert s.pop_due(500) == []  # the superseded entry does not fire again
    s.set("y", 50)
    s.cancel("y")
    assert "y" not in s
    assert s.pop_due(1000) == []
