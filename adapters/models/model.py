"""A product model, compiled: named values in, canonical events out, and the names it could
not read, so that nothing a device says goes unread without anyone being told."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from adapters.base import DeviceDirectory
from adapters.models.spec import Model
from adapters.vendor import EventBuilder, dbm, number, text

# Names every platform and module adds around a product's values (ids, radio and SIM
# details, platform bookkeeping): read by the envelopes or of no use, never "unmapped".
COMMON_IGNORE: Final = frozenset(
    n.replace("_", "").replace("-", "").lower()
    for n in (
        "IMEI", "IMSI", "ICCID", "deviceId", "device_id", "deviceCode", "deviceName",
        "productId", "productKey", "serviceId", "messageType", "timestamp", "time",
        "Cell_ID", "Cell_ID_Length", "CellId", "PCI", "ECL", "SNR", "SINR", "CSQ",
        "signal_intensity", "upPacketSN", "upDataSN", "tenantId", "protocol", "topic",
        "heartbeat_time", "hardware_version", "terminal_type", "manufacturer_name",
    )
)  # fmt: skip
# What a "normal" value clears: alarm kind -> the event that closes it.
_CLOSING: Final = {
    "smoke": "alarm_clear",
    "gas": "alarm_clear",
    "device_fault": "fault_clear",
    "tamper": "tamper_clear",
}
_OPENS: Final = {
    "alarm": "alarm",
    "alarm:low": "alarm",
    "alarm:high": "alarm",
    "fault": "device_fault",
    "tamper": "tamper",
}


_SAID: Final = {"alarm:low": "gas alarm", "alarm:high": "gas alarm (high)", "test": "self-test"}


def norm(name: str) -> str:
    """Names compare without case, underscores or dashes: ``Battery_Level`` is
    ``batteryLevel``."""
    return name.replace("_", "").replace("-", "").lower()


def value_key(value: Any) -> str | None:
    """A state value as the text its model keys it by: 1, "1" and 1.0 are "1"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        n = number(value)
        if n is None:
            return None
        return str(int(n)) if n.is_integer() else repr(n)
    if isinstance(value, str) and value.strip():
        return value.strip().lower()
    return None


class _State:
    __slots__ = ("kinds", "label", "names", "values")

    def __init__(self, names: tuple[str, ...], values: dict[str, tuple[str, ...]], kind: str):
        self.names = names
        self.label = names[0]
        self.values = values
        # The alarm kinds this field's values raise, for its "normal" to clear.
        opened = {_OPENS[m] for meanings in values.values() for m in meanings if m in _OPENS}
        self.kinds = tuple(kind if k == "alarm" else k for k in sorted(opened))


class ProductModel:
    def __init__(self, spec: Model, *, origin: str) -> None:
        self.spec = spec
        self.id = spec.id
        self.origin = origin  # file it came from, or "builtin:<file>"
        kind = "gas" if spec.device_type == "gas" else "smoke"
        self._states = [
            _State(
                _names(s.field),
                {
                    (value_key(k) or k): tuple(v) if isinstance(v, list) else (v,)
                    for k, v in s.values.items()
                },
                s.kind or kind,
            )
            for s in spec.states
        ]
        self._readings = [(_names(r.field), r) for r in spec.readings]
        self._keep = {norm(n) for n in spec.keep}
        self._ignore = {norm(n) for n in spec.ignore} | COMMON_IGNORE
        self._read = {n for s in self._states for n in s.names} | {
            n for names, _ in self._readings for n in names
        }
        self.matches_shape = frozenset(norm(n) for n in spec.match.shape)

    def describe(self, values: Mapping[str, Any]) -> tuple[str | None, str]:
        """(device type, what it said) for a message of a device not registered yet: the
        pending list shows them, so that whoever registers it knows what it is."""
        named = {norm(k): v for k, v in values.items() if isinstance(k, str)}
        device_type: str | None = self.spec.device_type
        said = "data"
        for state in self._states:
            found = next((named[n] for n in state.names if n in named), None)
            if found is None:
                continue
            kind = "gas" if "gas" in state.kinds else "smoke"
            if device_type is None and state.kinds:
                device_type = kind
            for meaning in state.values.get(value_key(found) or "", ()):
                if meaning == "normal" and said == "data":
                    said = "normal"
                elif meaning not in ("normal", "ignore", "heartbeat") and said in (
                    "data",
                    "normal",
                ):
                    said = _SAID.get(meaning) or (
                        f"{kind} alarm" if meaning == "alarm" else meaning.replace("_", " ")
                    )
        gas = {n for names, r in self._readings if r.to in ("lel_pct", "co_ppm") for n in names}
        if device_type is None and gas & named.keys():
            device_type = "gas"
        return device_type, said

    def reads_any(self, values: Mapping[str, Any]) -> bool:
        """Whether any of ``values`` is a state or a reading of this model."""
        return any(norm(k) in self._read for k in values if isinstance(k, str))

    def reads(self, names: set[str]) -> bool:
        """Whether all of the model's shape fields are among ``names`` (normalised)."""
        return bool(self.matches_shape) and self.matches_shape <= names

    def interpret(
        self,
        values: Mapping[str, Any],
        out: EventBuilder,
        directory: DeviceDirectory,
        *,
        defaults: Mapping[str, Any] | None = None,
    ) -> tuple[list[str], list[str]]:
        """Adds the events ``values`` stand for to ``out``; returns the problems (a state
        value the model does not know: ``field=value``) and the names nothing read."""
        named: dict[str, tuple[str, Any]] = {}
        for name, value in values.items():
            if isinstance(name, str):
                named.setdefault(norm(name), (name, value))
        aux, levels, invalid = self._readings_of(named)
        for name, value in (defaults or {}).items():
            if value is not None:
                aux.setdefault(name, value)
        extra, unmapped = self._others(named)
        if invalid:
            extra["invalid"] = invalid
        problems: list[str] = []
        device_id = out.device.device_id
        for state in self._states:
            found = next((named[n] for n in state.names if n in named), None)
            if found is None:
                continue
            meanings = state.values.get(value_key(found[1]) or "")
            if meanings is None:
                problems.append(f"{found[0]}={found[1]!r}"[:200])
                continue
            for meaning in meanings:
                self._emit(meaning, state, out, directory, device_id, aux, extra, levels)
        if "lel_pct" in levels and not any(e.type == "alarm" for e in out.events):
            # A device's own alarm outranks the level it sent with it (Li'an detectors send
            # gas_value 0 with gas_sensor_state 1): the level rides on the alarm instead of
            # a reading the rules' hysteresis would clear it with.
            out.add("reading", extra=extra or None, **levels, **aux)
        if not out.events:
            out.add("heartbeat", extra=extra or None, **aux)  # alive, whatever else it said
        return problems, sorted(unmapped)

    def _others(self, named: dict[str, tuple[str, Any]]) -> tuple[dict[str, Any], list[str]]:
        """(values kept for the events' extra, names nothing reads)."""
        extra: dict[str, Any] = {}
        unmapped: list[str] = []
        for key, (name, value) in named.items():
            if key in self._read or key in self._ignore:
                continue
            if key in self._keep:
                if len(extra) < 32:
                    extra[name[:64]] = value if _small(value) else str(value)[:200]
            else:
                unmapped.append(name[:64])
        return extra, unmapped

    def _readings_of(
        self, named: dict[str, tuple[str, Any]]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """(numbers every event carries, gas levels, values that could not be read)."""
        aux: dict[str, Any] = {}
        levels: dict[str, Any] = {}
        invalid: dict[str, Any] = {}
        for names, reading in self._readings:
            found = next((named[n] for n in names if n in named), None)
            if found is None or reading.to in aux or reading.to in levels:
                continue
            name, raw = found
            value: Any
            if reading.to == "fw":
                value = text(raw, max_length=64)
            elif reading.convert == "dbm":
                value = dbm(raw)
            else:
                n = number(raw)
                value = None if n is None else round(n * reading.scale + reading.offset, 3)
            if value is None:
                if raw is not None:
                    invalid[name[:64]] = raw if _small(raw) else str(raw)[:200]
                continue
            (levels if reading.to in ("lel_pct", "co_ppm") else aux)[reading.to] = value
        return aux, levels, invalid

    @staticmethod
    def _emit(
        meaning: str,
        state: _State,
        out: EventBuilder,
        directory: DeviceDirectory,
        device_id: str,
        aux: dict[str, Any],
        extra: dict[str, Any],
        levels: dict[str, Any],
    ) -> None:
        more = extra or None
        if meaning == "ignore":
            return
        if meaning.startswith("alarm:"):
            out.add("alarm", extra=more, level=meaning.split(":")[1], **levels, **aux)
        elif meaning == "normal":  # closes what is open; otherwise nothing to say
            for kind in state.kinds:
                if kind == "gas" and "lel_pct" in levels:
                    continue  # a measured level says more: the rules' hysteresis decides
                if directory.alarm_active(kind, device_id):
                    out.add(_CLOSING[kind], extra=more, **aux)
        else:
            out.add(meaning, extra=more, **aux)


def _names(field: str | list[str]) -> tuple[str, ...]:
    return tuple(norm(n) for n in ([field] if isinstance(field, str) else field))


def _small(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, bool | int | float)
        or (isinstance(value, str) and len(value) <= 200)
    )
