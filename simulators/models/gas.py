"""A restaurant's gas detector: %LEL readings with sensor noise and slow drift, leaks that
ramp up and decay, a sensor fault now and then, and the valve it closes on a high alarm."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from simulators.message import SimMessage
from simulators.models.base import DeviceModel

HIGH_LEL = 50.0


@dataclass(frozen=True)
class Leak:
    start_ms: int
    peak_lel: float
    ramp_ms: int = 60_000
    hold_ms: int = 60_000
    decay_ms: int = 120_000

    def level(self, t: int) -> float:
        if t < self.start_ms:
            return 0.0
        t -= self.start_ms
        if t < self.ramp_ms:
            return self.peak_lel * t / self.ramp_ms
        t -= self.ramp_ms
        if t < self.hold_ms:
            return self.peak_lel
        t -= self.hold_ms
        return max(0.0, self.peak_lel * (1 - t / self.decay_ms))


class GasDetector(DeviceModel):
    device_type = "gas"

    def __init__(
        self,
        *,
        report_s: float = 30.0,
        baseline_lel: float | None = None,
        drift_per_day: float = 0.3,
        leaks_per_day: float = 0.01,
        faults_per_day: float = 0.003,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("heartbeat_s", 300.0)
        super().__init__(**kwargs)
        self.report_ms = int(report_s * 1000)
        self.baseline = self.rng.uniform(0.0, 3.0) if baseline_lel is None else baseline_lel
        self.drift_per_ms = self.rng.uniform(-1, 1) * drift_per_day / 86_400_000
        self.leaks_per_ms = leaks_per_day / 86_400_000
        self.faults_per_ms = faults_per_day / 86_400_000
        self.leaks: list[Leak] = []
        self.gas = self.rng.choice(("ch4", "lpg"))
        self._valve_closed = False

    def leak(self, leak: Leak) -> None:
        self.leaks.append(leak)

    def level(self, t: int) -> float:
        value = self.baseline + self.drift_per_ms * self.elapsed(t) + self.rng.gauss(0, 0.4)
        value += sum(leak.level(t) for leak in self.leaks)
        return round(min(100.0, max(0.0, value)), 1)

    def messages(self, start_ms: int, end_ms: int) -> Iterator[SimMessage]:
        span = end_ms - start_ms
        if self.leaks_per_ms and self.rng.random() < self.leaks_per_ms * span:
            start = start_ms + int(self.rng.random() * span)
            self.leak(Leak(start, self.rng.uniform(20, 70), 120_000, 120_000, 600_000))
        out: list[SimMessage] = []
        if self.faults_per_ms and self.rng.random() < self.faults_per_ms * span:
            t = start_ms + int(self.rng.random() * span)
            out += [self.fault(t), self.message(t + 1_800_000, "fault_clear")]
        for t in self.periodic("reading", self.report_ms, start_ms, end_ms):
            out += self.reading(t)
        yield from sorted(m for m in out if m.at_ms < end_ms)

    def reading(self, t: int) -> list[SimMessage]:
        level = self.level(t)
        out = [
            self.message(
                t, "reading", channel="telemetry", lel_pct=level, gas=self.gas, **self.vitals(t)
            )
        ]
        if level >= HIGH_LEL and not self._valve_closed:
            self._valve_closed = True
            out.append(self.message(t + 1, "valve_closed"))
        elif level < 10 and self._valve_closed:
            self._valve_closed = False
            out.append(self.message(t + 1, "valve_opened"))
        return out

    def fault(self, at_ms: int) -> SimMessage:
        return self.message(at_ms, "fault")
