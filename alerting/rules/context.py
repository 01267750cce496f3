"""What a rule may touch: the alarm book, the timers, the rule state and the parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from alerting.book import AlarmBook
from alerting.leases import Leases
from alerting.scheduler import Scheduler
from alerting.state import BuildingState, DeviceRuleState
from core.config import AlertingConfig, DevicesConfig

# (timer kind, building id, subject: a device id or an alarm identity)
TimerKey = tuple[str, str, str]


@dataclass(kw_only=True)
class Context:
    book: AlarmBook
    timers: Scheduler[TimerKey]
    leases: Leases = field(default_factory=Leases)  # offline leases, apart (alerting/leases.py)
    rules: AlertingConfig
    devices: DevicesConfig
    repeat_critical_ms: int  # re-alert an unacknowledged critical alarm this often
    buildings: dict[str, BuildingState] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    # device -> device time (ms) of its latest event-channel message applied (Engine.on_event)
    event_ts: dict[str, int] = field(default_factory=dict)

    def building(self, building_id: str) -> BuildingState:
        """The building's rule state, marked to be persisted with this batch."""
        self.dirty.add(building_id)
        state = self.buildings.get(building_id)
        if state is None:
            state = self.buildings[building_id] = BuildingState()
        return state

    def device(self, building_id: str, device_id: str) -> DeviceRuleState:
        building = self.building(building_id)
        state = building.devices.get(device_id)
        if state is None:
            state = building.devices[device_id] = DeviceRuleState()
        return state

    def peek_device(self, building_id: str, device_id: str) -> DeviceRuleState | None:
        """Read without marking dirty."""
        building = self.buildings.get(building_id)
        return None if building is None else building.devices.get(device_id)

    def rearm_quiet(
        self,
        kind: str,
        timer: str,
        *,
        quiet_ms: int,
        times: Callable[[DeviceRuleState], list[int]],
    ) -> None:
        """After a restart, set again the timer that clears each active ``kind`` alarm once its
        device has been quiet for ``quiet_ms`` after the last of ``times`` (or the alarm's last
        update, when the state kept none)."""
        for alarm in self.book.all_active():
            if alarm.kind == kind and alarm.device_id is not None:
                state = self.peek_device(alarm.building_id, alarm.device_id)
                seen = times(state) if state is not None else []
                last = max(seen) if seen else alarm.updated_ms
                self.timers.set((timer, alarm.building_id, alarm.device_id), last + quiet_ms)
