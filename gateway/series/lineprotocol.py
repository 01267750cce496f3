"""InfluxDB line protocol, built with plain string operations (the hot path of every sink)."""

from __future__ import annotations

from collections.abc import Iterable

from gateway.series.point import FieldValue, Point

_MEASUREMENT = str.maketrans({",": r"\,", " ": r"\ ", "\n": r"\n"})
_TAG = str.maketrans({",": r"\,", " ": r"\ ", "=": r"\=", "\n": r"\n"})
_KEY_CACHE_MAX = 200_000


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
    """Renders batches, remembering each series key and field name once escaped.

    A street's devices repeat the same few thousand series keys in every batch, so caching
    them (bounded) halves the cost of a batch.
    """

    def __init__(self) -> None:
        self._keys: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
        self._names: dict[str, str] = {}

    def render(self, points: Iterable[Point]) -> bytes:
        keys, names = self._keys, self._names
        if len(keys) > _KEY_CACHE_MAX:
            keys.clear()
        lines = []
        for point in points:
            cache = (point.measurement, point.tags)
            key = keys.get(cache)
            if key is None:
                key = keys[cache] = series_key(point.measurement, point.tags)
            parts = []
            for name, value in point.fields.items():
                escaped = names.get(name)
                if escaped is None:
                    escaped = names[name] = name.translate(_TAG)
                if type(value) is float:
                    parts.append(f"{escaped}={value!r}")
                else:
                    parts.append(f"{escaped}={_field(value)}")
            lines.append(f"{key} {','.join(parts)} {point.ts_us}")
        return "\n".join(lines).encode()


def render(points: Iterable[Point]) -> bytes:
    """Points as one line-protocol body with microsecond timestamps (precision ``us``)."""
    return LineProtocol().render(points)
