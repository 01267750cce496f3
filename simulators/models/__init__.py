"""Device models that behave like the real ones, seeded and deterministic.

Each model is given a random generator and produces the messages of one device over a span
of simulated time, oldest first; ``simulators.fleet`` merges many devices into one stream.
"""

from simulators.models.base import DeviceModel
from simulators.models.ebike import EbikeBlocker
from simulators.models.gas import GasDetector
from simulators.models.smoke import SmokeAlarm

__all__ = ["DeviceModel", "EbikeBlocker", "GasDetector", "SmokeAlarm"]
