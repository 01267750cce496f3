"""Moves what the rule engine produced into a turn: alarm rows and their history, hub events,
notifications (to the outbox, and to send once committed), tickets and rule state.

Called once per turn by whoever fed the engine (a batch, the timers, a command); calling it
again in the same turn adds what happened since, in order.
"""

from __future__ import annotations

import logging

from alerting.rule_engine import RuleEngine
from gateway.hub import HubEvent
from gateway.metrics import Metrics
from gateway.shapes import AlarmObject
from gateway.status import StatusTracker
from gateway.store.alarms import alarm_row, history_row, notification_for, notification_row
from gateway.store.rows import RuleStateRow
from gateway.tickets import TicketDesk
from gateway.turn import Turn

log = logging.getLogger(__name__)


class Collector:
    def __init__(
        self, *, engine: RuleEngine, status: StatusTracker, tickets: TicketDesk, metrics: Metrics
    ) -> None:
        self._engine = engine
        self._status = status
        self._tickets = tickets
        self._metrics = metrics

    def collect(self, turn: Turn) -> None:
        ws, now = turn.ws, turn.now
        changes = self._engine.take_changes()
        latest: dict[str, int] = {}  # alarm id -> its row's index: one row per alarm and turn
        for change in changes:
            alarm = change.alarm
            row = alarm_row(alarm)
            if alarm.id in latest:
                ws.alarms[latest[alarm.id]] = row
            else:
                latest[alarm.id] = len(ws.alarms)
                ws.alarms.append(row)
            ws.alarm_history.append(history_row(change))
            turn.events.append(HubEvent.alarm(change.id, AlarmObject.of(alarm)))
            if change.notify != "none":
                notification = notification_for(change)
                ws.notifications.append(
                    notification_row(notification, held=change.notify == "hold")
                )
                if change.notify == "send":
                    turn.notifications.append(notification)
                else:
                    self._metrics.notifications_held.inc()
            if alarm.kind == "device_offline" and change.action == "opened" and alarm.device_id:
                if self._status.mark_offline(alarm.device_id):
                    ws.statuses.append(self._status.row(alarm.device_id))
                log.info("device %s offline (nothing heard within its lease)", alarm.device_id)
            self._metrics.alarm_changes.labels(alarm.kind, change.action).inc()
        turn.changes.extend(changes)
        for request in self._engine.take_tickets():
            self._tickets.open_for_alarm(turn, request)
        ws.rule_states.extend(
            RuleStateRow(building_id=b, state=state.decode(), updated_ms=now)
            for b, state in self._engine.take_states()
        )

    def discard(self) -> None:
        """Drop what the engine produced since the last collect (a refused command's change)."""
        self._engine.take_changes()
        self._engine.take_tickets()
