"""InfluxDB line protocol, built with plain string operations (the hot path of every sink)."""

from __future__ import annotations

from collections.abc import Iterable

from gateway.series.point import FieldValue, Point

# A backslash is escaped too (two read as one): a name ending in one would otherwise escape the
# comma after it and swallow the next tag.
_MEASUREMENT = str.maketrans({",": r"\,", " ": r"\ ", "\n": r"\n", "\\": "\\\\"})
_TAG = str.maketrans({",": r"\,", " ": r"\ ", "=": r"\=", "\n": r"\n", "\\": "\\\\"})


def _field(value: FieldValue) -> str:
    # bool before int: bool is an int subclass.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        return repr(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def series_key(measurement: str, tags: tuple[tuple[str, str], ...]) -> str:
    """``measurement,tag=value,...``: the part of a line a device repeats in every point."""
    rendered = "".join(f",{k.translate(_TAG)}={v.translate(_TAG)}" for k, v in tags)
    return measurement.translate(_MEASUREMENT) + rendered


def render_point(point: Point, key: str | None = None) -> str:
    fields = ",".join(f"{k.translate(_TAG)}={_field(v)}" for k, v in point.fields.items())
    return f"{key or series_key(point.measurement, point.tags)} {fields} {point.ts_us}"


class LineProtocol:
    """Renders batches of points.

    Series keys are built per point rather than cached: a cache of a street's series (two or
    three per device) cost more memory than anything else at 100,000 devices, and escaping a
    few short ids is about as fast as looking them up. Only field and tag names, a handful,
    are remembered escaped.
    """

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def _name(self, name: str) -> str:
        escaped = self._names.get(name)
        if escaped is None:
            escaped = name.translate(_TAG)
            if len(self._names) < _NAMES_MAX:
                self._names[name] = escaped
        return escaped

    def render(self, points: Iterable[Point]) -> bytes:
        name = self._name
        lines = []
        for point in points:
            tags = "".join([f",{name(k)}={v.translate(_TAG)}" for k, v in point.tags])
            parts = []
            for key, value in point.fields.items():
                if type(value) is float:
                    parts.append(f"{name(key)}={value!r}")
                else:
                    parts.append(f"{name(key)}={_field(value)}")
            measurement = point.measurement.translate(_MEASUREMENT)
            lines.append(f"{measurement}{tags} {','.join(parts)} {point.ts_us}")
        return "\n".join(lines).encode()


_NAMES_MAX = 1_000


def render(points: Iterable[Point]) -> bytes:
    """Points as one line-protocol body with microsecond timestamps (precision ``us``)."""
    return LineProtocol().render(points)
