"""The rule engine: canonical events and the passage of time in, alarm changes out.

Pure logic: no I/O and no clock. Time comes from each event's receive time and from
``advance(now)``; a timer due before an event is fired before the event is applied, so the
outcome depends only on the sequence of inputs. State is keyed by building (fire
confirmation, compound) and by device, so that it can later be partitioned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import msgspec

from adapters.events import Event
from alerting.book import AlarmBook
from alerting.model import Alarm, AlarmChange, AlarmError, AlarmNotFound
from alerting.rules import compound, device, ebike, flapping, gas, smoke
from alerting.rules.context import Context, TimerKey
from alerting.scheduler import Scheduler
from alerting.state import decode_state, encode_state
from alerting.tickets import category_for
from core.config import AlertingConfig, DevicesConfig
from core.ids import IdFactory

_EVENT_RULES: dict[str, Callable[[Context, Event], None]] = {
    "smoke": smoke.on_event,
    "gas": gas.on_event,
    "ebike": ebike.on_event,
}
_TIMER_RULES: dict[str, Callable[[Context, str, str, int], None]] = {
    "hold": smoke.on_hold,
    "hotspot_quiet": ebike.on_quiet,
    "flap_quiet": flapping.on_quiet,
}


class TicketRequest(msgspec.Struct, frozen=True, kw_only=True):
    alarm: Alarm  # as it opened (or escalated), before the ticket id was set on it
    ticket_id: str
    category: str


class RuleEngine:
    def __init__(
        self,
        *,
        rules: AlertingConfig,
        devices: DevicesConfig,
        repeat_critical_s: int,
        ids: IdFactory,
    ) -> None:
        self._ids = ids
        self._tickets: list[TicketRequest] = []
        self.book = AlarmBook(ids=ids, hold=self._holds, ticket=self._ticket_for)
        self.ctx = Context(
            book=self.book,
            timers=Scheduler(),
            rules=rules,
            devices=devices,
            repeat_critical_ms=repeat_critical_s * 1000,
        )
        self._now = 0
        # Order matters: fire's own bookkeeping, then the kinds that watch other alarms.
        self.book.listeners += [
            lambda change: smoke.on_change(self.ctx, change),
            lambda change: compound.on_change(self.ctx, change),
            lambda change: flapping.on_change(self.ctx, change),
            self._schedule_reminders,
        ]

    # ---- inputs -----------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        self.advance(event.received_ms)
        if self._superseded(event):
            device.renew_lease(self.ctx, event)  # it was alive; what it said is out of date
            return
        device.on_event(self.ctx, event)
        rule = _EVENT_RULES.get(event.device_type)
        if rule is not None:
            rule(self.ctx, event)

    def _superseded(self, event: Event) -> bool:
        """Telemetry older (device time) than the device's latest event already applied.

        Alarm events overtake the telemetry queued before them (the urgent lane), so a reading
        may arrive after an event it preceded. It must not clear, reopen or downgrade what the
        event raised: it is recorded (series, status) but not judged by the rules.
        """
        times = self.ctx.event_ts
        if event.channel == "event":
            if event.ts_ms > times.get(event.device_id, -1):
                times[event.device_id] = event.ts_ms
            return False
        latest = times.get(event.device_id)
        return latest is not None and event.ts_ms < latest

    def advance(self, now_ms: int) -> None:
        """Fire every timer due at or before ``now_ms``, in due order."""
        now_ms = max(
            now_ms, self._now
        )  # receive times of one batch may interleave by a millisecond
        self._now = now_ms
        # A timer may arm another that is also due (a reminder every minute of an outage).
        # Leases and the other timers fire in one order: by due time, leases first on a tie.
        ctx = self.ctx
        while True:
            fired: list[tuple[int, int, str, str, str]] = [
                (due, 0, "lease", building_id, device_id)
                for device_id, building_id, due in ctx.leases.pop_due(now_ms)
            ]
            fired += [
                (due, 1, kind, building_id, subject)
                for (kind, building_id, subject), due in ctx.timers.pop_due(now_ms)
            ]
            if not fired:
                return
            fired.sort()
            for due, _, kind, building_id, subject in fired:
                if kind == "lease":
                    device.on_lease_expired(ctx, building_id, subject, due)
                elif kind == "remind":
                    self._remind(building_id, subject)
                else:
                    _TIMER_RULES[kind](ctx, building_id, subject, due)

    def acknowledge(
        self, alarm: Alarm | str, *, verdict: str, note: str | None, by: str, now: int
    ) -> Alarm:
        """Acknowledge an active alarm (by id) or a cleared one the caller loaded."""
        self.advance(now)
        if isinstance(alarm, str):
            found = self.book.by_id(alarm)
            if found is None:
                raise AlarmNotFound(f"alarm {alarm} is not active")
            alarm = found
        acked = self.book.acknowledge(alarm, verdict=verdict, note=note, by=by, now=self._now)
        self.ctx.timers.cancel(("remind", acked.building_id, acked.identity))
        return acked

    def clear(self, alarm_id: str, *, note: str | None, by: str, now: int) -> Alarm:
        """An operator clears a latched alarm."""
        self.advance(now)
        alarm = self.book.operator_clear(alarm_id, now=self._now, by=by, note=note)
        self.ctx.timers.cancel(("remind", alarm.building_id, alarm.identity))
        return alarm

    # ---- outputs ----------------------------------------------------------------------

    def take_changes(self) -> list[AlarmChange]:
        return self.book.take_changes()

    def take_states(self) -> list[tuple[str, bytes]]:
        """(building, encoded rule state) of the buildings whose state changed."""
        dirty, self.ctx.dirty = self.ctx.dirty, set()
        return [(b, encode_state(self.ctx.buildings[b])) for b in sorted(dirty)]

    def take_tickets(self) -> list[TicketRequest]:
        """Tickets to open, one per alarm that called for one (its change carries the id)."""
        tickets, self._tickets = self._tickets, []
        return tickets

    def next_due(self) -> int | None:
        dues = [
            d for d in (self.ctx.timers.next_due(), self.ctx.leases.next_due()) if d is not None
        ]
        return min(dues) if dues else None

    # ---- restart ----------------------------------------------------------------------

    def restore(
        self,
        *,
        alarms: Iterable[Alarm],
        states: Iterable[tuple[str, bytes]],
        seen: Iterable[tuple[str, str, str, int]],
        now: int,
        event_times: Iterable[tuple[str, int]] = (),
    ) -> None:
        """Rebuild from the store: active alarms, rule state, and devices' last messages.

        Timers are re-armed from what they derive from, so a fire hold or an offline lease
        that started before the restart still fires after it (at once if it is overdue).
        ``event_times``: (device, device time of its latest event), for the telemetry still
        queued in the broker that those events overtook.
        """
        self._now = now
        self.ctx.event_ts.update(event_times)
        self.book.restore(alarms)
        for building_id, blob in states:
            self.ctx.buildings[building_id] = decode_state(blob)
        offline = {
            a.device_id
            for a in self.book.all_active()
            if a.kind == "device_offline" and a.device_id
        }
        device.arm_leases(self.ctx, (s for s in seen if s[1] not in offline))
        smoke.rearm(self.ctx)
        ebike.rearm(self.ctx)
        flapping.rearm(self.ctx)
        repeat = self.ctx.repeat_critical_ms
        for alarm in self.book.all_active():
            if alarm.severity == "critical" and alarm.acknowledged_ms is None:
                last = alarm.notified_ms or alarm.opened_ms
                self.ctx.timers.set(("remind", alarm.building_id, alarm.identity), last + repeat)

    # ---- internals --------------------------------------------------------------------

    def _holds(self, alarm: Alarm) -> bool:
        """Notifications held back: smoke while its building's fire is active; a flapping
        device's alarms."""
        if alarm.kind == "smoke" and self.book.active("fire", alarm.building_id) is not None:
            return True
        return flapping.holds(self.ctx, alarm.building_id, alarm.device_id, alarm.kind)

    def _ticket_for(self, alarm: Alarm) -> str | None:
        category = category_for(alarm)
        if category is None:
            return None
        ticket_id = self._ids.new(alarm.updated_ms)
        self._tickets.append(TicketRequest(alarm=alarm, ticket_id=ticket_id, category=category))
        return ticket_id

    def _schedule_reminders(self, change: AlarmChange) -> None:
        alarm = change.alarm
        if change.action in ("opened", "escalated") and alarm.severity == "critical":
            due = change.at_ms + self.ctx.repeat_critical_ms
            self.ctx.timers.set(("remind", alarm.building_id, alarm.identity), due)

    def _remind(self, building_id: str, ident: str) -> None:
        # A reminder is sent now and the next one counted from now: after an outage (or a
        # restart) one reminder catches up rather than one for every interval missed.
        alarm = self.book.remind(ident, now=self._now)
        if alarm is not None:
            next_due = self._now + self.ctx.repeat_critical_ms
            self.ctx.timers.set(("remind", building_id, ident), next_due)


__all__ = ["AlarmError", "AlarmNotFound", "RuleEngine", "TicketRequest", "TimerKey"]
