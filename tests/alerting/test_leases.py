"""Offline leases: renewed by every message, fired once when they run out."""

from __future__ import annotations

from alerting.leases import Leases


def test_renewals_move_the_lease_and_it_fires_once_when_it_runs_out() -> None:
    leases = Leases()
    for t in range(0, 10_000, 10):
        leases.renew("d1", "B1", 1000 + t)  # a device renewing its lease with every message
    assert leases.due("d1") == 10_990
    assert leases.pop_due(5_000) == []  # its first entry surfaced early and went back
    assert leases.pop_due(10_989) == []
    assert leases.pop_due(10_990) == [("d1", "B1", 10_990)]
    assert leases.pop_due(20_000) == [] and len(leases) == 0


def test_a_shorter_lease_and_a_move_between_buildings() -> None:
    leases = Leases()
    leases.renew("d1", "B1", 5_000)
    leases.renew("d1", "B2", 2_000)  # its type's lease is shorter now, and it moved
    leases.renew("d2", "B1", 3_000)
    assert leases.next_due() == 2_000
    assert leases.pop_due(4_000) == [("d1", "B2", 2_000), ("d2", "B1", 3_000)]
    assert leases.pop_due(6_000) == []  # the stale entry of the longer lease fires nothing
