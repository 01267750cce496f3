"""The lease row and its fence, against a real PostgreSQL. Expiry is made by hand (the row's
``expires_s`` set into the past) and the local deadline by an injected monotonic clock, so
nothing here waits for time to pass."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gateway.store.db import create_engine
from gateway.store.lease import Fenced, Lease, lease_engine
from gateway.store.migrate import upgrade

pytestmark = pytest.mark.services


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def leases(postgres_url: str, engine: Engine) -> Iterator[tuple[Lease, Lease, Monotonic]]:
    clock = Monotonic()
    own = lease_engine(postgres_url, instance="test")
    a = Lease(engine=own, instance="a", lease_s=5.0, monotonic=clock)
    b = Lease(engine=own, instance="b", lease_s=5.0, monotonic=clock)
    yield a, b, clock
    own.dispose()


def expire(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE ha_lease SET expires_s = expires_s - 3600"))


def commit_checked(engine: Engine, lease: Lease) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT 1"))
        lease.check(conn)


def test_one_holder_at_a_time_and_a_takeover_bumps_the_epoch(
    engine: Engine, leases: tuple[Lease, Lease, Monotonic]
) -> None:
    a, b, _ = leases
    first = a.try_acquire()
    assert first is not None and first.epoch == 0  # nobody held it before
    assert a.holds() and a.epoch == 1
    assert b.try_acquire() is None
    holder = b.holder()
    assert holder is not None and (holder.instance, holder.epoch) == ("a", 1)
    assert 4.0 < holder.expires_in_s <= 5.0

    expire(engine)
    taken = b.try_acquire()
    assert taken is not None and (taken.instance, taken.epoch) == ("a", 1)
    assert b.epoch == 2
    assert a.renew() is False  # the row is b's now
    assert not a.holds()


def test_a_commit_under_an_old_epoch_is_refused(
    engine: Engine, leases: tuple[Lease, Lease, Monotonic]
) -> None:
    a, b, _ = leases
    a.try_acquire()
    commit_checked(engine, a)  # ours: goes through
    expire(engine)
    b.try_acquire()
    # a's local deadline has not passed (it was paused, say): the row still says no.
    assert a.holds()
    with pytest.raises(Fenced, match="taken over"):
        commit_checked(engine, a)
    assert not a.holds()
    commit_checked(engine, b)


def test_the_local_deadline_fences_without_asking_the_database(
    engine: Engine, leases: tuple[Lease, Lease, Monotonic]
) -> None:
    a, _, clock = leases
    a.try_acquire()
    clock.now += 4.4  # inside 90 % of the 5 s lease
    assert a.holds()
    clock.now += 0.2
    assert not a.holds()
    with pytest.raises(Fenced, match="ran out"):
        commit_checked(engine, a)
    # A renewal that returns after the deadline does not revive the lease locally.
    assert a.renew() is False


def test_renewal_moves_the_deadline_and_release_frees_the_lease_at_once(
    engine: Engine, leases: tuple[Lease, Lease, Monotonic]
) -> None:
    a, b, clock = leases
    a.try_acquire()
    clock.now += 3.0
    assert a.renew() is True
    clock.now += 3.0  # six seconds after acquiring, three after renewing
    assert a.holds()
    a.release()
    assert not a.holds()
    assert b.holder() is None
    assert b.try_acquire() is not None and b.epoch == 2


def test_a_paused_holders_open_transaction_makes_the_takeover_wait_not_double(
    engine: Engine, leases: tuple[Lease, Lease, Monotonic], postgres_url: str
) -> None:
    """The fence check reads the row FOR SHARE: a takeover cannot slip between a's check and
    a's commit; it waits (bounded by the lease connection's lock_timeout) and retries."""
    a, b, _ = leases
    a.try_acquire()
    expire(engine)
    with engine.begin() as conn:
        a.check(conn)  # a still sees its epoch: the row is now share-locked until commit
        with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
            b.try_acquire()
    assert b.try_acquire() is not None  # after a's commit
