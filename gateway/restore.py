"""State read back at start-up, before any message is taken: the registry, device status,
the rules' alarms and state, the message ids of the dedup window, the products already said
to be unread today, and the notifications still owed."""

from __future__ import annotations

from sys import intern

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.rule_engine import RuleEngine
from core.clock import Clock
from gateway.dedup import Deduplicator
from gateway.device_index import DeviceIndex
from gateway.notification import Notification
from gateway.notify.dispatcher import Dispatcher
from gateway.status import StatusTracker
from gateway.store import schema
from gateway.store.alarms import active_alarms
from gateway.unread import UnreadFields

# Events this recent tell the rules which queued telemetry they overtook (Engine.restore).
EVENT_TIMES_HORIZON_MS = 86_400_000


def restore_state(
    conn: Connection,
    *,
    clock: Clock,
    dedup_window_ms: int,
    registry: DeviceIndex,
    status: StatusTracker,
    dedup: Deduplicator,
    rules: RuleEngine,
    unread: UnreadFields,
) -> list[Notification]:
    """Fill the in-memory state from the store; returns the notifications still to send."""
    registry.load(conn)
    status.load(conn, now_ms=clock.now_ms())
    dc = schema.devices.c
    # A generator over a batched read: 100,000 online devices' rows are never all held.
    seen = (
        (intern(row.building_id), intern(row.device_id), row.device_type, row.last_seen_ms)
        for row in conn.execution_options(yield_per=5_000).execute(
            sa.select(dc.building_id, dc.device_id, dc.device_type, dc.last_seen_ms).where(
                dc.online.is_(True), dc.last_seen_ms.is_not(None)
            )
        )
    )
    r = schema.rule_states.c
    states = [
        (row.building_id, row.state.encode())
        for row in conn.execute(sa.select(r.building_id, r.state))
    ]
    now = clock.now_ms()
    e = schema.events.c
    event_times = [
        (intern(row[0]), int(row[1]))
        for row in conn.execute(
            sa.select(e.device_id, sa.func.max(e.ts_ms))
            .where(e.received_ms >= now - EVENT_TIMES_HORIZON_MS)
            .group_by(e.device_id)
        )
    ]
    rules.restore(
        alarms=active_alarms(conn), states=states, seen=seen, now=now, event_times=event_times
    )
    horizon = clock.now_ms() - dedup_window_ms
    sm = schema.seen_messages.c
    for row in conn.execute(
        sa.select(sm.device_id, sm.msg_id, sm.received_ms, sm.point_us)
        .where(sm.received_ms >= horizon)
        .order_by(sm.received_ms)
    ):
        dedup.remember(row.device_id, row.msg_id, row.received_ms, row.point_us)
    dl = schema.dead_letters.c
    unread.restore(
        conn.execute(
            sa.select(dl.product)
            .distinct()
            .where(
                dl.received_ms >= unread.day_start_ms(now),
                dl.reason.like("unmapped:%"),
                dl.product.is_not(None),
            )
        ).scalars(),
        now_ms=now,
    )
    return Dispatcher.load_pending(conn)
