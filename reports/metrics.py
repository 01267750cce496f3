"""Every figure of a report for one window of time, per unit (a building, a community, the
street), with numpy over the bulk columns of ``reports.data``.

A unit is any grouping of buildings: ``unit_of`` maps each building index to a unit index,
so the same code gives the figures per building, per community and in total (rates,
means and percentiles are computed over each unit's own records, never averaged averages).
docs/reports.md defines each figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from reports.data import (
    CATEGORIES,
    DEVICE_TYPES,
    F64,
    HAZARD_CLASSES,
    I64,
    KINDS,
    SEVERITIES,
    SOURCES,
    TIMED_KINDS,
    VERDICTS,
    Dataset,
)

HOUR_MS: Final = 3_600_000
DAY_MS: Final = 86_400_000
K = {name: i for i, name in enumerate(KINDS)}
SEV = {name: i for i, name in enumerate(SEVERITIES)}
VERDICT = {name: i for i, name in enumerate(VERDICTS)}
CAT = {name: i for i, name in enumerate(CATEGORIES)}
HAZARD = {name: i for i, name in enumerate(HAZARD_CLASSES)}
SOURCE = {name: i for i, name in enumerate(SOURCES)}
LEVELS: Final = 5  # escalation levels 0-4


@dataclass(frozen=True, kw_only=True)
class Window:
    start: int
    end: int
    until: int  # min(end, now): time-weighted figures stop at the present
    utc_offset_ms: int  # local time, for hours of the day and duty shifts
    # The plan's deadline for the 存量 (reports.backlog_deadline): the first moment past its
    # last day, local time. The same for every window; the window decides what it means.
    backlog_deadline: int


@dataclass(frozen=True, kw_only=True)
class Params:
    min_confidence: float = 0.8
    smoke_confirm_window_ms: int = 120_000
    day_shift: tuple[int, int] = (8, 20)  # local hours [from, to)
    critical_ack_ms: int = 60_000


# ---- grouped reductions ----------------------------------------------------------------


def count(units: I64, mask: np.ndarray, n: int) -> F64:
    return np.bincount(units[mask], minlength=n).astype(np.float64)


def total(units: I64, values: F64, mask: np.ndarray, n: int) -> F64:
    return np.bincount(units[mask], weights=values[mask], minlength=n).astype(np.float64)


def ratio(num: F64, den: F64) -> F64:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def mean(units: I64, values: F64, mask: np.ndarray, n: int) -> F64:
    return ratio(total(units, values, mask, n), count(units, mask, n))


def quantile(units: I64, values: F64, mask: np.ndarray, n: int, q: float) -> F64:
    """Per unit, numpy's default (linear) quantile, in one sort."""
    u, v = units[mask], values[mask]
    order = np.lexsort((v, u))
    u, v = u[order], v[order]
    counts = np.bincount(u, minlength=n)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out = np.full(n, np.nan)
    has = counts > 0
    pos = (counts[has] - 1) * q
    lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    base = starts[has]
    out[has] = v[base + lo] + (v[base + hi] - v[base + lo]) * (pos - lo)
    return out


def maximum(units: I64, values: F64, mask: np.ndarray, n: int) -> F64:
    out = np.full(n, np.nan)
    np.fmax.at(out, units[mask], values[mask])
    return out


def overlap(start: F64, stop: F64, w0: float, w1: float) -> F64:
    """Milliseconds of [start, stop) inside [w0, w1); a NaN stop is still open."""
    stop = np.where(np.isnan(stop), w1, stop)
    clipped: F64 = np.clip(np.minimum(stop, w1) - np.maximum(start, w0), 0, None)
    return clipped


# ---- the figures -------------------------------------------------------------------------


def smoke_confirmed(ds: Dataset, window_ms: int) -> np.ndarray:
    """Per alarm row: a smoke alarm whose detector a fire alarm of its building lists, the
    fire opened from ``window_ms`` before the smoke alarm until it cleared."""
    a = ds.alarms
    fires = [(dev, a.opened[i]) for i, devs in enumerate(a.fire_devices) for dev in devs]
    confirmed = np.zeros(a.kind.shape, bool)
    smoke = np.flatnonzero((a.kind == K["smoke"]) & (a.device >= 0))
    if not fires or not len(smoke):
        return confirmed
    # One sorted key per (device, time); a smoke alarm is confirmed when the first fire key
    # at or after (device, opened - window) is no later than (device, cleared).
    span = np.int64(1) << 42  # ms: 139 years per device, 20,000 devices within int64
    base = float(np.nanmin(a.opened)) - window_ms
    keys = np.sort(np.array([d * span + int(t - base) for d, t in fires], np.int64))
    low = a.device[smoke] * span + (a.opened[smoke] - window_ms - base).astype(np.int64)
    cleared = np.nan_to_num(a.cleared[smoke] - base, nan=float(span - 1))
    high = a.device[smoke] * span + np.minimum(cleared, float(span - 1)).astype(np.int64)
    at = np.searchsorted(keys, low, side="left")
    found = at < len(keys)
    found[found] = keys[at[found]] <= high[found]
    confirmed[smoke] = found
    return confirmed


def figures(
    ds: Dataset,
    w: Window,
    unit_of: I64,
    n: int,
    p: Params,
    *,
    confirmed: np.ndarray,
    detections: bool = True,
) -> dict[str, F64]:
    """Every per-unit figure for the window (``detections`` False: the history windows,
    whose detections are counted by the database)."""
    out = _alarm_figures(ds, w, unit_of, n, p, confirmed)
    out.update(_gas_figures(ds, w, unit_of, n))
    out.update(_device_figures(ds, w, unit_of, n))
    out.update(_ticket_figures(ds, w, unit_of, n))
    out.update(_register_figures(ds, w, unit_of, n))
    if detections:
        d = ds.detections
        building = ds.devices.building[np.maximum(d.device, 0)]
        ok = (d.device >= 0) & (building >= 0)
        out["ebike.detections"] = total(
            unit_of[np.maximum(building, 0)], d.count.astype(np.float64), ok, n
        )
    return out


def _opened(ds: Dataset, w: Window) -> np.ndarray:
    a = ds.alarms
    return (a.building >= 0) & (a.opened >= w.start) & (a.opened < w.end)


def _alarm_figures(
    ds: Dataset, w: Window, unit_of: I64, n: int, p: Params, confirmed: np.ndarray
) -> dict[str, F64]:
    a = ds.alarms
    au = unit_of[np.maximum(a.building, 0)]
    opened = _opened(ds, w)
    out: dict[str, F64] = {"alarms.total": count(au, opened, n)}
    for kind, k in K.items():
        out[f"alarms.kind.{kind}"] = count(au, opened & (a.kind == k), n)
    for severity, s in SEV.items():
        out[f"alarms.severity.{severity}"] = count(au, opened & (a.severity == s), n)
    fire = opened & (a.kind == K["fire"])
    out["fires.real"] = count(au, fire & (a.verdict == VERDICT["real"]), n)
    smoke = opened & (a.kind == K["smoke"]) & (a.verdict != VERDICT["test"])
    unconfirmed = (a.verdict == VERDICT[None]) & ~np.isnan(a.cleared) & ~confirmed
    false = smoke & ((a.verdict == VERDICT["false_alarm"]) | unconfirmed)
    out["smoke.alarms"] = count(au, smoke, n)
    out["smoke.false"] = count(au, false, n)
    out["smoke.false_rate"] = ratio(out["smoke.false"], out["smoke.alarms"])
    acked = opened & ~np.isnan(a.acked)
    delay_s = (a.acked - a.opened) / 1000
    out["ack.count"] = count(au, acked, n)
    out["ack.mean_s"] = mean(au, delay_s, acked, n)
    out["ack.p90_s"] = quantile(au, delay_s, acked, n, 0.9)
    critical = opened & (a.severity == SEV["critical"])
    quick = critical & (a.acked - a.opened <= p.critical_ack_ms)  # NaN compares False
    out["critical.count"] = count(au, critical, n)
    out["critical.acked_60s"] = count(au, quick, n)
    out["critical.acked_60s_rate"] = ratio(out["critical.acked_60s"], out["critical.count"])
    out["devices.faults"] = count(au, opened & (a.kind == K["device_fault"]), n)
    out["devices.offline_alarms"] = count(au, opened & (a.kind == K["device_offline"]), n)
    return out


def _gas_figures(ds: Dataset, w: Window, unit_of: I64, n: int) -> dict[str, F64]:
    a, dv = ds.alarms, ds.devices
    au = unit_of[np.maximum(a.building, 0)]
    gas = (a.building >= 0) & (a.kind == K["gas"])
    gas_ms = overlap(a.opened, a.cleared, w.start, w.until) * gas
    repeat = np.bincount(a.device[_opened(ds, w) & gas & (a.device >= 0)], minlength=len(dv.ids))
    du = unit_of[np.maximum(dv.building, 0)]
    return {
        "gas.alarm_minutes": total(au, gas_ms / 60_000, gas, n),
        "gas.peak_lel": maximum(au, a.peak, gas & (gas_ms > 0) & ~np.isnan(a.peak), n),
        "gas.repeat_devices": count(du, (repeat >= 2) & (dv.building >= 0), n),
    }


def _device_figures(ds: Dataset, w: Window, unit_of: I64, n: int) -> dict[str, F64]:
    a, dv = ds.alarms, ds.devices
    du = unit_of[np.maximum(dv.building, 0)]
    exists = (dv.building >= 0) & (dv.since < w.end)
    lifetime = np.clip(w.until - np.maximum(dv.since, w.start), 0, None) * exists
    offline = _offline_ms(ds, w)
    online = lifetime - np.minimum(offline, lifetime)
    low = (a.kind == K["low_battery"]) & (a.device >= 0)
    low &= overlap(a.opened, a.cleared, w.start, w.until) > 0
    low_devices = np.zeros(len(dv.ids), bool)
    low_devices[a.device[low]] = True
    return {
        "devices.count": count(du, exists, n),
        "devices.online_rate": ratio(total(du, online, exists, n), total(du, lifetime, exists, n)),
        "devices.low_battery": count(du, low_devices & exists, n),
    }


def _offline_ms(ds: Dataset, w: Window) -> F64:
    """Per device: milliseconds of the window its device_offline alarms were open."""
    a = ds.alarms
    rows = (a.kind == K["device_offline"]) & (a.device >= 0)
    offline = np.zeros(len(ds.devices.ids))
    np.add.at(offline, a.device[rows], overlap(a.opened[rows], a.cleared[rows], w.start, w.until))
    return offline


def _ticket_figures(ds: Dataset, w: Window, unit_of: I64, n: int) -> dict[str, F64]:
    t = ds.tickets
    tu = unit_of[np.maximum(t.building, 0)]
    t_in = t.building >= 0
    created = t_in & (t.created >= w.start) & (t.created < w.end)
    closed = t_in & (t.closed >= w.start) & (t.closed < w.end)
    open_at_end = t_in & (t.created < w.until) & ~(t.closed < w.until)
    out = {
        "tickets.opened": count(tu, created, n),
        "tickets.closed": count(tu, closed, n),
        "tickets.open_at_end": count(tu, open_at_end, n),
        "tickets.overdue": count(tu, open_at_end & (t.due < w.until), n),
        "tickets.mean_close_h": mean(tu, (t.closed - t.created) / HOUR_MS, closed, n),
        "ebike.hotspot_tickets": count(tu, created & (t.category == CAT["ebike"]), n),
    }
    out["tickets.closure_rate"] = ratio(
        count(tu, created & (t.closed < w.until), n), out["tickets.opened"]
    )
    out["tickets.on_time_rate"] = ratio(
        count(tu, closed & (t.closed <= t.due), n), out["tickets.closed"]
    )
    level = _levels_at(ds, w.until)
    for lv in range(LEVELS):
        out[f"tickets.level.{lv}"] = count(tu, open_at_end & (level == lv), n)
    return out


def _register_figures(ds: Dataset, w: Window, unit_of: I64, n: int) -> dict[str, F64]:
    """The hazard register (隐患台账): by class and source, the 存量 against the plan's
    deadline and the 增量, supervision (挂牌督办), referral (移送) and the major hazards'
    closing. Class and source are the tickets' now: a reclassified ticket counts as it is."""
    t = ds.tickets
    tu = unit_of[np.maximum(t.building, 0)]
    t_in = t.building >= 0
    created = t_in & (t.created >= w.start) & (t.created < w.end)
    closed = t_in & (t.closed >= w.start) & (t.closed < w.end)
    open_at_end = t_in & (t.created < w.until) & ~(t.closed < w.until)
    major = t.hazard_class == HAZARD["major"]
    backlog = t.source == SOURCE["backlog"]
    out = {
        "register.major": count(tu, created & major, n),
        "register.general": count(tu, created & (t.hazard_class == HAZARD["general"]), n),
    }
    for source, s in SOURCE.items():
        out[f"register.source.{source}"] = count(tu, created & (t.source == s), n)
    out.update(_backlog_figures(ds, w, unit_of, n))
    # 增量: whatever was not on the street's register before SiteGuard.
    out["increment.opened"] = count(tu, created & ~backlog, n)
    out["increment.closed"] = count(tu, closed & ~backlog, n)
    out["increment.major_opened"] = count(tu, created & ~backlog & major, n)
    # Supervision lasts until 销号 (a supervised ticket cannot become general); NaN is never.
    supervised = open_at_end & (t.supervised < w.until)
    out["supervised.active"] = count(tu, supervised, n)
    out["supervised.new"] = count(tu, t_in & (t.supervised >= w.start) & (t.supervised < w.end), n)
    out["supervised.overdue"] = count(tu, supervised & (t.due < w.until), n)
    out["referred.active"] = count(tu, open_at_end & (t.referred < w.until), n)
    out["referred.new"] = count(tu, t_in & (t.referred >= w.start) & (t.referred < w.end), n)
    out["major.open_at_end"] = count(tu, open_at_end & major, n)
    out["major.closed"] = count(tu, closed & major, n)
    # As tickets.closure_rate and on_time_rate, for the major ones: a supervised ticket's
    # due time is the office's deadline, so on time means by that deadline.
    out["major.closure_rate"] = ratio(
        count(tu, created & major & (t.closed < w.until), n), out["register.major"]
    )
    out["major.on_time_rate"] = ratio(
        count(tu, closed & major & (t.closed <= t.due), n), out["major.closed"]
    )
    return out


def _backlog_figures(ds: Dataset, w: Window, unit_of: I64, n: int) -> dict[str, F64]:
    """The 存量 (source ``backlog``): what is left at the end, what was closed, and how it
    stands against the plan's deadline (夯实基础: cleared by the end of 2024)."""
    t = ds.tickets
    tu = unit_of[np.maximum(t.building, 0)]
    backlog = (t.building >= 0) & (t.source == SOURCE["backlog"])
    open_at_end = backlog & (t.created < w.until) & ~(t.closed < w.until)
    deadline = w.backlog_deadline
    # The deadline is for what had been found by then; a later finding is not late for it.
    due = backlog & (t.created < deadline)
    out = {
        "backlog.open_at_end": count(tu, open_at_end, n),
        "backlog.major_open_at_end": count(
            tu, open_at_end & (t.hazard_class == HAZARD["major"]), n
        ),
        "backlog.closed": count(tu, backlog & (t.closed >= w.start) & (t.closed < w.end), n),
    }
    # Known only once the window reaches the deadline; before it, undefined (NaN).
    at_deadline = count(tu, due & ~(t.closed < deadline), n)
    out["backlog.open_at_deadline"] = at_deadline if w.until >= deadline else np.full(n, np.nan)
    # Each item is late from the deadline until it was closed, or until the end while open;
    # a unit is as late as its latest item (0: cleared in time, or the deadline is ahead).
    cleared = np.fmin(t.closed, float(w.until))  # fmin: a NaN (open) item counts to the end
    late_days = np.clip(cleared - deadline, 0, None) / DAY_MS
    late = maximum(tu, late_days, due & (t.created < w.until), n)
    out["backlog.days_past_deadline"] = np.nan_to_num(late, nan=0.0)
    return out


def _levels_at(ds: Dataset, at: int) -> I64:
    """Each ticket's escalation level as its history stood at ``at`` (0 before any entry)."""
    t = ds.tickets
    level = np.zeros(len(t.created), np.int64)
    before = np.flatnonzero(t.history_at < at)
    if len(before):
        tickets = t.history_ticket[before]
        last = before[np.append(tickets[1:] != tickets[:-1], True)]  # sorted by ticket, time
        level[t.history_ticket[last]] = t.history_level[last]
    return level


def by_hour(ds: Dataset, unit_of: I64, n: int) -> F64:
    """Confident detections per unit and local hour of the day: [units, 24]."""
    d = ds.detections
    building = ds.devices.building[np.maximum(d.device, 0)]
    ok = (d.device >= 0) & (building >= 0)
    cell = unit_of[np.maximum(building, 0)] * 24 + d.hour
    counts = np.bincount(cell[ok], weights=d.count[ok], minlength=n * 24)
    return counts.reshape(n, 24).astype(np.float64)


def top_elevators(ds: Dataset, limit: int = 10) -> list[tuple[int, int]]:
    """(device index, confident detections), most first."""
    d = ds.detections
    ok = d.device >= 0
    per = np.bincount(d.device[ok], weights=d.count[ok], minlength=len(ds.devices.ids))
    order = np.lexsort((np.arange(len(per)), -per))[:limit]
    return [(int(i), int(per[i])) for i in order if per[i] > 0]


def worst_devices(ds: Dataset, w: Window, limit: int = 10) -> list[tuple[int, dict[str, float]]]:
    """(device index, its figures): lowest time-weighted online rate first, then most fault
    and offline alarms."""
    a, dv = ds.alarms, ds.devices
    m = len(dv.ids)
    exists = (dv.building >= 0) & (dv.since < w.end)
    lifetime = np.clip(w.until - np.maximum(dv.since, w.start), 0, None) * exists
    offline = np.minimum(_offline_ms(ds, w), lifetime)
    opened = (a.device >= 0) & (a.opened >= w.start) & (a.opened < w.end)
    faults = np.bincount(a.device[opened & (a.kind == K["device_fault"])], minlength=m)
    drops = np.bincount(a.device[opened & (a.kind == K["device_offline"])], minlength=m)
    rate = ratio(lifetime - offline, lifetime)
    candidates = np.flatnonzero(exists & ((offline > 0) | (faults > 0)))
    order = np.lexsort(
        (candidates, -(faults + drops)[candidates], np.nan_to_num(rate[candidates], nan=1.0))
    )
    return [
        (
            int(i),
            {
                "online_rate": float(rate[i]),
                "offline_minutes": float(offline[i] / 60_000),
                "faults": float(faults[i]),
                "offline_alarms": float(drops[i]),
            },
        )
        for i in candidates[order][:limit]
    ]


def shifts(ds: Dataset, w: Window, p: Params) -> dict[str, dict[str, float | None]]:
    """Notification to acknowledgement by the duty shift the notification fell in."""
    a = ds.alarms
    ok = (a.opened >= w.start) & (a.opened < w.end) & ~np.isnan(a.first_sent) & ~np.isnan(a.acked)
    ok &= a.acked >= a.first_sent
    hour = (a.first_sent + w.utc_offset_ms) // HOUR_MS % 24
    day = (hour >= p.day_shift[0]) & (hour < p.day_shift[1])
    delay = (a.acked - a.first_sent) / 1000
    out: dict[str, dict[str, float | None]] = {}
    for name, mask in (("day", ok & day), ("night", ok & ~day)):
        values = delay[mask]
        out[name] = {
            "count": float(len(values)),
            "mean_s": float(values.mean()) if len(values) else None,
            "p90_s": float(np.quantile(values, 0.9)) if len(values) else None,
        }
    return out


# ---- GB 26875 transmission, false alarms per device, e-bike heat map, escalations ---------


def lookup(values: I64, index: I64, missing: int) -> I64:
    """``values[index]``, and ``missing`` where the index is -1 (not loaded: outside the
    scope, or none); safe when ``values`` is empty, as in a report of a building without
    devices."""
    if not len(values):
        return np.full(len(index), missing, np.int64)
    return np.where(index >= 0, values[np.maximum(index, 0)], missing)


def _delays(values: F64, limit_ms: int) -> dict[str, float | None]:
    """count, p50_s, p95_s (linear), within_10s (share at or under ``limit_ms``)."""
    n = len(values)
    if not n:
        return {"count": 0, "p50_s": None, "p95_s": None, "within_10s": None}
    return {
        "count": n,
        "p50_s": round(float(np.quantile(values, 0.5)) / 1000, 3),
        "p95_s": round(float(np.quantile(values, 0.95)) / 1000, 3),
        "within_10s": round(float(np.count_nonzero(values <= limit_ms)) / n, 4),
    }


def transmission(ds: Dataset, w: Window, limit_ms: int = 10_000) -> list[dict[str, object]]:
    """Per vendor and device type: device clock to the gateway's receipt, for the period's
    device alarm messages (a negative delay, the device's clock ahead, is counted as
    ``clock_skew`` and left out of the figures); and the alarm's opening (its receipt) to the
    first notification delivered, for the smoke, fire, gas and compound alarms opened in the
    period. Vendors by name, the unknown last; device types in DEVICE_TYPES order."""
    tx, a, dv = ds.transmissions, ds.alarms, ds.devices
    unknown = len(dv.vendors) - 1
    timed = np.isin(a.kind, [K[k] for k in TIMED_KINDS]) & (a.building >= 0)
    timed &= (a.opened >= w.start) & (a.opened < w.end) & ~np.isnan(a.first_sent)
    device = a.first_device
    a_vendor = lookup(dv.vendor, device, unknown)
    a_type = lookup(dv.type, device, -1)
    notify_ms = a.first_sent - a.opened
    rows: list[dict[str, object]] = []
    for v, vendor in enumerate(dv.vendors):
        for t, device_type in [*enumerate(DEVICE_TYPES), (-1, None)]:
            sent = tx.delay[(tx.vendor == v) & (tx.device_type == t)]
            notified = notify_ms[timed & (a_vendor == v) & (a_type == t)]
            if not len(sent) and not len(notified):
                continue
            rows.append(
                {
                    "vendor": vendor,
                    "device_type": device_type,
                    "receipt": {
                        **_delays(sent[sent >= 0], limit_ms),
                        "clock_skew": int(np.count_nonzero(sent < 0)),
                    },
                    "notification": _delays(notified, limit_ms),
                }
            )
    return rows


def false_alarm_devices(
    ds: Dataset, w: Window, threshold: int, limit: int = 10
) -> list[tuple[int, int, bool]]:
    """(device index, smoke alarms opened in the window acknowledged ``false_alarm``, at or
    over ``threshold``), most first: the ``limit`` first and every one at the threshold."""
    a = ds.alarms
    rows = (a.kind == K["smoke"]) & (a.device >= 0) & (a.verdict == VERDICT["false_alarm"])
    rows &= (a.opened >= w.start) & (a.opened < w.end)
    rows &= lookup(ds.devices.building, a.device, -1) >= 0
    per = np.bincount(a.device[rows], minlength=len(ds.devices.ids))
    order = np.lexsort((np.arange(len(per)), -per))
    out = []
    for rank, i in enumerate(order):
        if per[i] == 0 or (rank >= limit and per[i] < threshold):
            break
        out.append((int(i), int(per[i]), bool(per[i] >= threshold)))
    return out


def heatmap(ds: Dataset) -> list[list[int]]:
    """The period's confident detections by local weekday (Monday first) and hour: 7 x 24."""
    d = ds.detections
    ok = lookup(ds.devices.building, d.device, -1) >= 0
    cells = np.bincount((d.weekday * 24 + d.hour)[ok], weights=d.count[ok], minlength=7 * 24)
    return [[int(x) for x in row] for row in cells.reshape(7, 24)]


def escalations(ds: Dataset, w: Window) -> I64:
    """Per ticket: the history entries within the window whose escalation level is above the
    entry before (0 before the first)."""
    t = ds.tickets
    level = t.history_level
    same = np.append(False, t.history_ticket[1:] == t.history_ticket[:-1])
    before = np.where(same, np.append(0, level[:-1]), 0)
    rose = (level > before) & (t.history_at >= w.start) & (t.history_at < w.end)
    return np.bincount(t.history_ticket[rose], minlength=len(t.created)).astype(np.int64)
