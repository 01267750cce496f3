"""Jittered exponential backoff, as a value.

``Backoff(initial=0.5, maximum=30.0)`` waits about 0.5 s before the second attempt, then 1 s,
2 s, ... up to 30 s. Each wait is drawn from ``[base * (1 - jitter), base]`` so that clients
that lost the same server do not all come back in the same instant. The random source is an
argument, so tests pass their own.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class Backoff:
    initial: float
    """The first wait, in seconds."""
    maximum: float
    """The cap, in seconds."""
    factor: float = 2.0
    """Each wait is this many times the one before."""
    jitter: float = 0.5
    """The fraction of the wait that is random: 0.5 draws it from [wait / 2, wait]."""

    def __post_init__(self) -> None:
        if not self.initial > 0:
            raise ValueError("initial must be positive")
        if not self.maximum > 0:
            raise ValueError("maximum must be positive")
        if not self.factor >= 1:
            raise ValueError("factor must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")

    def base(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (0 for the first), before jitter."""
        if attempt < 0:
            raise ValueError("attempt must not be negative")
        try:
            grown = self.initial * self.factor**attempt
        except OverflowError:
            return self.maximum
        return min(grown, self.maximum)

    def delay(self, attempt: int, *, rand: Callable[[], float] = random.random) -> float:
        """The wait after failed attempt ``attempt``, with jitter; ``rand`` returns [0, 1)."""
        return self.base(attempt) * (1 - self.jitter + self.jitter * rand())
