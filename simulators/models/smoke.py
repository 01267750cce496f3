"""An NB-IoT smoke alarm: a daily heartbeat, a draining battery, and now and then a fault,
a tamper, or a false alarm from dust (an alarm that clears within seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simulators.message import SimMessage
from simulators.models.base import DeviceModel


class SmokeAlarm(DeviceModel):
    device_type = "smoke"

    def __init__(
        self,
        *,
        dust_per_day: float = 0.02,
        fault_per_day: float = 0.005,
        tamper_per_day: float = 0.002,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("heartbeat_s", 86_400.0)
        super().__init__(**kwargs)
        self.dust_per_ms = dust_per_day / 86_400_000
        self.fault_per_ms = fault_per_day / 86_400_000
        self.tamper_per_ms = tamper_per_day / 86_400_000

    def messages(self, start_ms: int, end_ms: int) -> Iterator[SimMessage]:
        out: list[SimMessage] = []
        for t in self.heartbeats(start_ms, end_ms):
            vitals = self.vitals(t)
            out.append(self.message(t, "heartbeat", channel="heartbeat", **vitals))
            if vitals["battery_pct"] < 20:
                out.append(self.message(t + 1, "low_battery", **vitals))
        out += self._incidents(start_ms, end_ms)
        yield from sorted(out)

    def _incidents(self, start_ms: int, end_ms: int) -> list[SimMessage]:
        out: list[SimMessage] = []
        span = end_ms - start_ms
        for _ in range(_poisson(self.rng, self.dust_per_ms * span)):
            t = start_ms + int(self.rng.random() * span)
            out += self.false_alarm(t)
        for _ in range(_poisson(self.rng, self.fault_per_ms * span)):
            t = start_ms + int(self.rng.random() * span)
            out += [self.message(t, "fault"), self.message(t + 3_600_000, "fault_clear")]
        for _ in range(_poisson(self.rng, self.tamper_per_ms * span)):
            t = start_ms + int(self.rng.random() * span)
            out += self.tamper(t, back_after_s=self.rng.uniform(60, 1800))
        return [m for m in out if m.at_ms < end_ms]

    # ---- actions a scenario (or the fleet) asks for ----------------------------------

    def alarm(self, at_ms: int) -> SimMessage:
        return self.message(at_ms, "alarm", **self.vitals(at_ms))

    def clear(self, at_ms: int) -> SimMessage:
        return self.message(at_ms, "alarm_clear")

    def false_alarm(self, at_ms: int) -> list[SimMessage]:
        """Dust: an alarm that clears by itself a few seconds later."""
        return [self.alarm(at_ms), self.clear(at_ms + self.rng.randint(3_000, 20_000))]

    def silence(self, at_ms: int) -> SimMessage:
        """Someone presses the button: the sounder stops (and the alarm clears)."""
        return self.message(at_ms, "silenced")

    def tamper(self, at_ms: int, *, back_after_s: float) -> list[SimMessage]:
        """Taken off its base, and put back."""
        return [
            self.message(at_ms, "tamper"),
            self.message(at_ms + int(back_after_s * 1000), "tamper_clear"),
        ]


def _poisson(rng: Any, mean: float) -> int:
    """Knuth's method; the means here are small."""
    if mean <= 0:
        return 0
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
