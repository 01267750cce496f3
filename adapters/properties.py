"""Named device properties, as cloud platforms carry them, to canonical events.

Huawei IoTDA ``properties``, Alibaba ``items`` and OneNET datastreams name their values
after the product's model (物模型), which each vendor defines; this table knows the names
that smoke alarms and gas detectors on the Chinese platforms use (sources in
docs/adapters.md). Names are compared without case and underscores (``Battery_Level``,
``batteryLevel`` and ``BATTERYLEVEL`` are one name). Values it does not know ride along in
the events' ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from adapters import smoke_codes
from adapters.base import DeviceDirectory, Rejection
from adapters.events import Event
from adapters.vendor import EventBuilder, dbm, integer, number, reject, text


def _names(*names: str) -> frozenset[str]:
    return frozenset(key(n) for n in names)


def key(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


STATUS_CODE: Final = _names("Alarm_Status", "alarmStatus", "alarm_state", "AlarmState")
SMOKE_STATE: Final = _names(
    "SmokeSensorState", "smoke_state", "smoke_status", "smoke_alarm", "SmokeAlarm", "smoke"
)
GAS_STATE: Final = _names(
    "GasSensorState", "gas_sensor_state", "gas_state", "gas_alarm", "GasAlarm"
)
TAMPER: Final = _names("TamperAlarm", "TamperState", "RemoveState", "tamper", "tamper_state")
FAULT: Final = _names("fault", "fault_state", "FaultState", "DeviceFault", "SensorFault")
BATTERY: Final = _names(
    "Battery_Level",
    "BatteryPercentage",
    "battery_value",
    "battery_pct",
    "battery_percent",
    "battery",
    "BatteryLevel",
)
SIGNAL: Final = _names("RSRP", "rssi", "signal", "SignalPower", "signal_strength", "csq_dbm")
LEL: Final = _names("gas_value", "GasConcentration", "gas_concentration", "lel", "lel_pct")
CO: Final = _names("co_ppm", "CO", "co_concentration", "COConcentration")
FIRMWARE: Final = _names("fw", "firmware", "fw_version", "FirmwareVersion", "software_version")

_MEANINGS: Final = (STATUS_CODE, SMOKE_STATE, GAS_STATE, TAMPER, FAULT, BATTERY, SIGNAL, LEL, CO)
# state meaning -> (alarm kind, event when set, event when it returns to 0)
_STATES: Final = (
    (SMOKE_STATE, "smoke", "alarm", "alarm_clear"),
    (GAS_STATE, "gas", "alarm", "alarm_clear"),
    (TAMPER, "tamper", "tamper", "tamper_clear"),
    (FAULT, "device_fault", "fault", "fault_clear"),
)


class Properties:
    """One device's named values from one message, sorted into meanings."""

    def __init__(self, values: Mapping[Any, Any]) -> None:
        self.meant: dict[frozenset[str], Any] = {}
        self.extra: dict[str, Any] = {}
        for name, value in values.items():
            if not isinstance(name, str):
                continue
            k = key(name)
            for meaning in (*_MEANINGS, FIRMWARE):
                if k in meaning:
                    self.meant.setdefault(meaning, value)
                    break
            else:
                if len(self.extra) < 32:
                    self.extra[name[:64]] = value if _small(value) else str(value)[:200]

    @property
    def known(self) -> bool:
        return bool(self.meant)

    def device_type(self) -> str | None:
        """What the values look like, for a device the registry does not know yet."""
        if self.meant.keys() & {STATUS_CODE, SMOKE_STATE}:
            return "smoke"
        if self.meant.keys() & {GAS_STATE, LEL, CO}:
            return "gas"
        return None

    def summary(self) -> str:
        code = integer(self.meant.get(STATUS_CODE))
        if code is not None:
            return smoke_codes.summary(code)
        for meaning, name in ((SMOKE_STATE, "smoke"), (GAS_STATE, "gas")):
            state = integer(self.meant.get(meaning))
            if state:
                return f"{name} alarm"
        return "data"

    def aux(self) -> dict[str, Any]:
        """The numbers every event of the message carries."""
        battery = number(self.meant.get(BATTERY))
        return {
            "battery_pct": battery,
            "rssi": dbm(self.meant.get(SIGNAL)),
            "fw": text(self.meant.get(FIRMWARE), max_length=64),
        }

    def emit(self, out: EventBuilder, directory: DeviceDirectory) -> list[Event] | Rejection:
        """The events these values stand for, or a rejection naming the unusable value."""
        problem = self._emit(out, directory, out.device.device_id)
        if problem is None:
            return out.events
        return reject(out.adapter, problem.split("=", 1)[0], problem, out.device)

    def _emit(self, out: EventBuilder, directory: DeviceDirectory, device_id: str) -> str | None:
        """Adds the events these values stand for; returns why not, when a value is unusable."""
        aux = self.aux()
        extra = self.extra or None
        before = len(out.events)

        code_value = self.meant.get(STATUS_CODE)
        if code_value is not None:
            code = integer(code_value)
            types = None if code is None else smoke_codes.events_for(code, directory, device_id)
            if types is None:
                return f"bad_value:Alarm_Status={code_value!r}"
            for event_type in types:
                out.add(event_type, extra=extra, **aux)

        for meaning, kind, opening, closing in _STATES:
            if meaning not in self.meant:
                continue
            state = _state(self.meant[meaning])
            if state is None:
                return f"bad_value:{kind}_state={self.meant[meaning]!r}"
            if state:
                level = ("high" if state >= 2 else "low") if kind == "gas" else None
                out.add(opening, extra=extra, level=level, **aux)
            elif kind == "gas" and LEL in self.meant:
                pass  # a measured level says more than the device's state: hysteresis decides
            elif directory.alarm_active(kind, device_id):
                out.add(closing, extra=extra, **aux)

        lel = number(self.meant.get(LEL))
        co = number(self.meant.get(CO))
        if lel is not None:
            out.add("reading", extra=extra, lel_pct=lel, co_ppm=co, **aux)
        if len(out.events) == before:
            out.add("heartbeat", extra=extra, **aux)
        return None


def _state(value: Any) -> int | None:
    """0 / 1 / 2 from numbers, booleans and the strings platforms use for them."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in {"true", "alarm", "on"}:
        return 1
    if isinstance(value, str) and value.strip().lower() in {"false", "normal", "off"}:
        return 0
    n = integer(value)
    if n is None or not 0 <= n <= 2:
        return None
    return n


def _small(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, bool | int | float)
        or (isinstance(value, str) and len(value) <= 200)
    )
