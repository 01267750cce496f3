"""Early warnings: a figure above its own baseline, or rising period after period.

For each watched figure and unit, the previous ``history`` periods are its baseline. A
warning is raised, with the figures that triggered it, when the current value

- exceeds the baseline's mean + ``sigma`` standard deviations (population), or
- exceeds the mean by ``growth`` (+50 %) and is at least ``growth_min`` events, or
- rose in each of the last ``rising`` periods (v[-3] < v[-2] < v[-1] < now),

and, for the first and last rule, is at least ``min_count`` (a single event above an empty
baseline is noise, not a trend). docs/reports.md has the reasoning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from alerting.labels import KIND

WATCHED: Final = {
    "alarms.total": "报警总数",
    "alarms.kind.smoke": KIND["smoke"].zh,
    "alarms.kind.fire": KIND["fire"].zh,
    "alarms.kind.gas": KIND["gas"].zh,
    "gas.alarm_minutes": "燃气报警时长（分钟）",
    "ebike.detections": "电动车进电梯",
    "alarms.kind.device_offline": KIND["device_offline"].zh,
    "devices.faults": "设备故障",
    "smoke.false": "烟感误报",
    "tickets.overdue": "逾期工单",
}


@dataclass(frozen=True, kw_only=True)
class Rules:
    sigma: float = 2.0
    growth: float = 0.5
    growth_min: float = 5
    rising: int = 3
    min_count: float = 3


def find(
    metric: str,
    values: NDArray[np.float64],
    units: list[dict[str, Any]],
    labels: list[str],
    rules: Rules,
) -> list[dict[str, Any]]:
    """``values``: [units, history + 1], the current period last."""
    history, now = values[:, :-1], values[:, -1]
    mean = history.mean(axis=1)
    std = history.std(axis=1)
    sigma = (now > mean + rules.sigma * std) & (now >= rules.min_count)
    growth = (now > mean * (1 + rules.growth)) & (now >= rules.growth_min)
    rising = np.ones(len(now), bool)
    for k in range(rules.rising):
        rising &= values[:, -1 - k] > values[:, -2 - k]
    rising &= now >= rules.min_count
    out = []
    for i in np.flatnonzero(sigma | growth | rising):
        out.append(
            {
                **units[i],
                "metric": metric,
                "label": WATCHED.get(metric, metric),
                "value": float(now[i]),
                "baseline_mean": round(float(mean[i]), 3),
                "baseline_std": round(float(std[i]), 3),
                "threshold_sigma": round(float(mean[i] + rules.sigma * std[i]), 3),
                "rules": [
                    name
                    for name, hit in (
                        ("sigma", sigma[i]),
                        ("growth", growth[i]),
                        ("rising", rising[i]),
                    )
                    if hit
                ],
                "history": [float(v) for v in values[i]],
                "periods": labels,
            }
        )
    return out
