"""Leadership of ``ha.enabled`` instances: a lease row in PostgreSQL, and the fence it gives.

One row of ``ha_lease`` names the active instance, its ``epoch`` (the fencing token, one
more at every takeover) and when the lease runs out, in the database's own clock. The active
instance renews it every ``ha.renew_s``; a standby takes the row over once it has run out.
No coordination service beyond the database the instances already share.

The active instance also keeps a local deadline: the monotonic time it sent its last
successful renewal plus the lease, less a margin. The server's expiry is never earlier than
that, so an instance that was paused (SIGSTOP, a long GC, a VM migrated) knows it may have
lost the lease the moment it runs again, before any callback of its own can act: ``holds()``
reads the clock itself. Every store transaction ends with ``check()``, which reads the row
``FOR SHARE``: the commit either sees its own epoch, and then a takeover waits for it, or it
is refused. Acknowledgements to the broker ask ``holds()`` first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gateway.store.db import normalise_url
from gateway.store.schema import ha_lease

log = logging.getLogger(__name__)

ACTIVE: Final = "active"
_MARGIN: Final = 0.9  # of the lease: clocks run at slightly different rates

# Times are the database's: extract(epoch from clock_timestamp()), in seconds.
_HOLDER: Final = sa.text("""
    SELECT holder, epoch, expires_s - extract(epoch from clock_timestamp())
    FROM ha_lease WHERE name = :name
""")
# A successor ends every session of the instance it took over from: a transaction that
# machine left open (its network cut mid-statement, where no idle timeout applies) would
# otherwise hold row locks the successor's commits wait on.
_END_SESSIONS: Final = sa.text("""
    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = :app
      AND pid <> pg_backend_pid()
""")
_TAKE: Final = sa.text("""
    INSERT INTO ha_lease (name, holder, epoch, expires_s, acquired_s)
    VALUES (:name, :me, 1, extract(epoch from clock_timestamp()) + :lease,
            extract(epoch from clock_timestamp()))
    ON CONFLICT (name) DO UPDATE SET
        holder = :me, epoch = ha_lease.epoch + 1,
        expires_s = EXCLUDED.expires_s, acquired_s = EXCLUDED.acquired_s
    WHERE ha_lease.expires_s <= extract(epoch from clock_timestamp())
    RETURNING epoch
""")


class Fenced(Exception):
    """This instance no longer holds the lease: it may neither commit nor acknowledge."""


class Fence(Protocol):
    def holds(self) -> bool:
        """Cheap, local: still inside the lease as last renewed."""
        ...

    def check(self, conn: Connection) -> None:
        """At the end of a transaction, before it commits: raise ``Fenced`` unless the
        lease is still ours."""
        ...


@dataclass(frozen=True, kw_only=True)
class Holder:
    """Who holds the lease, as a standby sees it."""

    instance: str
    epoch: int
    expires_in_s: float
    sessions_ended: int = 0  # of the previous holder's, at a takeover


class Lease:
    """The lease as one instance sees it. ``try_acquire``, ``renew``, ``release`` and
    ``holder`` block (run them off the event loop, on an engine of their own); ``holds`` and
    ``check`` may be called from any thread."""

    def __init__(
        self,
        *,
        engine: Engine,
        instance: str,
        lease_s: float,
        monotonic: Callable[[], float] = time.monotonic,
        name: str = ACTIVE,
    ) -> None:
        self._engine = engine
        self.instance = instance
        self._lease_s = lease_s
        self._monotonic = monotonic
        self._name = name
        self.epoch = 0
        self._deadline = float("-inf")

    # ---- local -------------------------------------------------------------------------

    def holds(self) -> bool:
        return self._monotonic() < self._deadline

    def remaining_s(self) -> float:
        return max(0.0, self._deadline - self._monotonic())

    def drop(self) -> None:
        """Give the lease up locally (it was lost, or we are stopping)."""
        self._deadline = float("-inf")

    def check(self, conn: Connection) -> None:
        if not self.holds():
            raise Fenced(f"{self.instance}: the lease ran out")
        epoch = conn.execute(
            sa.select(ha_lease.c.epoch)
            .where(ha_lease.c.name == self._name)
            .with_for_update(read=True)
        ).scalar()
        if epoch != self.epoch:
            self.drop()
            raise Fenced(f"{self.instance}: epoch {self.epoch} was taken over (now {epoch})")

    # ---- against the database ----------------------------------------------------------

    def try_acquire(self) -> Holder | None:
        """Take the lease if nobody holds it (or its holder let it run out). Returns the
        previous holder (``epoch`` 0 and no name if there was none) on success."""
        started = self._monotonic()
        with self._engine.begin() as conn:
            # Read without a lock first: standbys poll, and a lock would make each poll
            # queue behind the active instance's commits.
            before = conn.execute(
                _HOLDER,
                {"name": self._name},
            ).one_or_none()
            if before is not None and before[2] > 0:
                return None
            epoch = conn.execute(
                _TAKE,
                {"name": self._name, "me": self.instance, "lease": self._lease_s},
            ).scalar()
        if epoch is None:
            return None  # another standby was quicker
        self.epoch = int(epoch)
        self._deadline = started + self._lease_s * _MARGIN
        if before is None:
            return Holder(instance="", epoch=0, expires_in_s=0.0)
        previous = Holder(instance=before[0], epoch=int(before[1]), expires_in_s=float(before[2]))
        if previous.instance != self.instance:
            with self._engine.begin() as conn:
                ended = conn.execute(_END_SESSIONS, {"app": session_name(previous.instance)})
                previous = replace(previous, sessions_ended=int(ended.scalar_one()))
        return previous

    def renew(self) -> bool:
        """Extend the lease; False once it is no longer ours (taken over, or run out)."""
        started = self._monotonic()
        with self._engine.begin() as conn:
            renewed = conn.execute(
                sa.text(
                    "UPDATE ha_lease SET expires_s = extract(epoch from clock_timestamp()) + :lease"
                    " WHERE name = :name AND holder = :me AND epoch = :epoch"
                    " AND expires_s > extract(epoch from clock_timestamp())"
                ),
                {
                    "name": self._name,
                    "me": self.instance,
                    "epoch": self.epoch,
                    "lease": self._lease_s,
                },
            ).rowcount
        if renewed != 1:
            self.drop()
            return False
        if self.holds():  # a renewal that came back after the deadline does not revive it
            self._deadline = started + self._lease_s * _MARGIN
        return self.holds()

    def release(self) -> None:
        """On a clean stop: end the lease now, so a standby need not wait for it to run out."""
        self.drop()
        with self._engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE ha_lease SET expires_s = extract(epoch from clock_timestamp())"
                    " WHERE name = :name AND holder = :me AND epoch = :epoch"
                ),
                {"name": self._name, "me": self.instance, "epoch": self.epoch},
            )

    def holder(self) -> Holder | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                _HOLDER,
                {"name": self._name},
            ).one_or_none()
        if row is None or row[2] <= 0:
            return None
        return Holder(instance=row[0], epoch=int(row[1]), expires_in_s=float(row[2]))


def session_name(instance: str) -> str:
    """The ``application_name`` of an instance's database sessions."""
    return f"siteguard:{instance}"[:63]


def lease_engine(url: str, *, instance: str) -> Engine:
    """The lease's own connection: short timeouts everywhere, so that a renewal against an
    unreachable or locked-up database fails in time for the deadline to decide."""
    return sa.create_engine(
        normalise_url(url),
        pool_pre_ping=True,
        pool_size=1,
        max_overflow=1,
        connect_args={
            "connect_timeout": 2,
            "keepalives": 1,
            "keepalives_idle": 1,
            "keepalives_interval": 1,
            "keepalives_count": 2,
            "tcp_user_timeout": 2000,
            "options": "-c statement_timeout=2000 -c lock_timeout=1000",
            "application_name": session_name(instance),
        },
    )
