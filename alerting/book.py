"""The alarm book: the active alarms and the only code that changes an alarm.

Rules say *that* something is alarming (``raise_alarm``) or has stopped (``clear``); the book
applies the lifecycle of contract section 5 (one alarm per identity, repeats fold in,
severity only rises, latched kinds clear only by an operator) and records every change,
with its notification decision, for the store to persist before anyone is told.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import msgspec

from alerting.model import (
    SEVERITY_RANK,
    Action,
    Alarm,
    AlarmChange,
    AlarmError,
    AlarmNotFound,
    Notify,
    identity,
)
from core.ids import IdFactory

Listener = Callable[[AlarmChange], None]
HoldPolicy = Callable[[Alarm], bool]
# Given an alarm that opened or escalated, the id of the ticket to open for it, or None.
TicketPolicy = Callable[[Alarm], str | None]


class AlarmBook:
    def __init__(self, *, ids: IdFactory, hold: HoldPolicy, ticket: TicketPolicy) -> None:
        self._ids = ids
        self._hold = hold
        self._ticket = ticket
        self._active: dict[str, Alarm] = {}  # identity -> alarm
        self._identity_of: dict[str, str] = {}  # alarm id -> identity
        self._by_building: dict[str, set[str]] = {}
        self._by_device: dict[str, set[str]] = {}  # identities of device-level alarms
        self.changes: list[AlarmChange] = []
        self.listeners: list[Listener] = []

    # ---- reading ----------------------------------------------------------------------

    def get(self, ident: str) -> Alarm | None:
        return self._active.get(ident)

    def active(self, kind: str, building_id: str, device_id: str | None = None) -> Alarm | None:
        return self._active.get(identity(kind, building_id, device_id))

    def by_id(self, alarm_id: str) -> Alarm | None:
        ident = self._identity_of.get(alarm_id)
        return None if ident is None else self._active.get(ident)

    def in_building(self, building_id: str) -> list[Alarm]:
        return [self._active[i] for i in self._by_building.get(building_id, ())]

    def all_active(self) -> list[Alarm]:
        return list(self._active.values())

    def restore(self, alarms: Iterable[Alarm]) -> None:
        for alarm in alarms:
            self._put(alarm)

    def take_changes(self) -> list[AlarmChange]:
        changes, self.changes = self.changes, []
        return changes

    # ---- lifecycle --------------------------------------------------------------------

    def raise_alarm(
        self,
        *,
        kind: str,
        building_id: str,
        device_id: str | None,
        severity: str,
        now: int,
        devices: Iterable[str] = (),
        latched: bool = False,
        value: float | None = None,
    ) -> Alarm:
        """Open the alarm of this identity, or fold this trigger into the active one."""
        ident = identity(kind, building_id, device_id)
        current = self._active.get(ident)
        contributors = tuple(dict.fromkeys([*(devices or ()), *([device_id] if device_id else [])]))
        if current is None:
            alarm = Alarm(
                id=self._ids.new(now),
                kind=kind,
                severity=severity,
                status="active",
                building_id=building_id,
                device_id=device_id,
                device_ids=contributors,
                opened_ms=now,
                updated_ms=now,
                latched=latched,
                peak=value,
                notified_ms=now,
            )
            held = self._hold(alarm)
            alarm = msgspec.structs.replace(alarm, held=held, ticket_id=self._ticket(alarm))
            self._put(alarm)
            self._record(alarm, "opened", now, notify="hold" if held else "send")
            return alarm
        escalated = SEVERITY_RANK[severity] > SEVERITY_RANK[current.severity]
        alarm = msgspec.structs.replace(
            current,
            severity=severity if escalated else current.severity,
            device_ids=tuple(dict.fromkeys([*current.device_ids, *contributors])),
            updated_ms=now,
            count=current.count + 1,
            latched=current.latched or latched,
            peak=_max(current.peak, value),
            notified_ms=now if escalated else current.notified_ms,
        )
        if escalated and alarm.ticket_id is None:
            alarm = msgspec.structs.replace(alarm, ticket_id=self._ticket(alarm))
        self._put(alarm)
        if escalated:
            self._record(alarm, "escalated", now, notify="hold" if self._hold(alarm) else "send")
        else:
            self._record(alarm, "updated", now)
        return alarm

    def clear_device(
        self, kind: str, building_id: str, device_id: str, *, now: int
    ) -> Alarm | None:
        """``clear`` for a device-level kind; costs a lookup when the device has no alarm (a
        reading that clears nothing is the common case, thousands of times a second)."""
        if device_id not in self._by_device:
            return None
        return self.clear(identity(kind, building_id, device_id), now=now)

    def clear(self, ident: str, *, now: int) -> Alarm | None:
        """A rule's clear; latched alarms ignore it (they wait for an operator)."""
        current = self._active.get(ident)
        if current is None or current.latched:
            return None
        return self._close(current, now=now, by="rules", note=None)

    def operator_clear(self, alarm_id: str, *, now: int, by: str, note: str | None) -> Alarm:
        current = self.by_id(alarm_id)
        if current is None:
            raise AlarmError(f"alarm {alarm_id} is not active (already cleared, or unknown)")
        if not current.latched:
            raise AlarmError(
                f"alarm {alarm_id} ({current.kind}, {current.severity}) does not latch: "
                "it clears itself when the device reports the condition over"
            )
        return self._close(current, now=now, by=by, note=note)

    def acknowledge(
        self, alarm: Alarm, *, verdict: str, note: str | None, by: str, now: int
    ) -> Alarm:
        """Acknowledge an alarm (active, or a cleared one the caller loaded from the store)."""
        if alarm.acknowledged_ms is not None:
            raise AlarmError(
                f"alarm {alarm.id} was already acknowledged by {alarm.acknowledged_by}"
            )
        acked = msgspec.structs.replace(
            alarm,
            acknowledged_ms=now,
            acknowledged_by=by,
            verdict=verdict,
            ack_note=note,
            updated_ms=max(alarm.updated_ms, now),
        )
        if acked.active:
            self._put(acked)
        self._record(acked, "acknowledged", now, by=by, note=note)
        return acked

    def remind(self, ident: str, *, now: int) -> Alarm | None:
        """Notify an unacknowledged critical alarm again."""
        current = self._active.get(ident)
        if current is None or current.acknowledged_ms is not None:
            return None
        alarm = msgspec.structs.replace(current, notified_ms=now)
        self._put(alarm)
        self._record(alarm, "reminder", now, notify="hold" if self._hold(alarm) else "send")
        return alarm

    # ---- internals --------------------------------------------------------------------

    def _close(self, current: Alarm, *, now: int, by: str, note: str | None) -> Alarm:
        alarm = msgspec.structs.replace(
            current,
            status="cleared",
            cleared_ms=now,
            cleared_by=by,
            clear_note=note,
            updated_ms=now,
        )
        ident = current.identity
        del self._active[ident]
        del self._identity_of[current.id]
        self._by_building[current.building_id].discard(ident)
        if current.device_id is not None:
            idents = self._by_device[current.device_id]
            idents.discard(ident)
            if not idents:
                del self._by_device[current.device_id]
        # A clear is news only if the opening was announced; it too is held while flapping.
        notify: Notify = "none" if alarm.held else ("hold" if self._hold(alarm) else "send")
        self._record(alarm, "cleared", now, by=by, note=note, notify=notify)
        return alarm

    def _put(self, alarm: Alarm) -> None:
        ident = alarm.identity
        self._active[ident] = alarm
        self._identity_of[alarm.id] = ident
        self._by_building.setdefault(alarm.building_id, set()).add(ident)
        if alarm.device_id is not None:
            self._by_device.setdefault(alarm.device_id, set()).add(ident)

    def _record(
        self,
        alarm: Alarm,
        action: Action,
        now: int,
        *,
        by: str = "rules",
        note: str | None = None,
        notify: Notify = "none",
    ) -> None:
        change = AlarmChange(
            id=self._ids.new(now),
            alarm=alarm,
            action=action,
            at_ms=now,
            by=by,
            note=note,
            notify=notify,
        )
        self.changes.append(change)
        for listener in self.listeners:
            listener(change)


def _max(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


__all__ = ["AlarmBook", "AlarmError", "AlarmNotFound"]
