"""Payload decoders: each turns one vendor's message into canonical Events or a Rejection.

Adapters are pure: they never import ``gateway`` and never do I/O. Look-ups they need
(IMEI to device, say) come in through ``DeviceDirectory``.
"""

from adapters.base import Adapter, DeviceDirectory, RawMessage, Rejection
from adapters.events import DEVICE_TYPES, EVENT_TYPES, Event
from adapters.registry import AdapterRegistry, default_registry

__all__ = [
    "DEVICE_TYPES",
    "EVENT_TYPES",
    "Adapter",
    "AdapterRegistry",
    "DeviceDirectory",
    "Event",
    "RawMessage",
    "Rejection",
    "default_registry",
]
