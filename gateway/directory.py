"""What vendor adapters may ask of the gateway (``adapters.base.DeviceDirectory``)."""

from __future__ import annotations

from adapters.base import DeviceRef, IdentifierKind
from alerting.book import AlarmBook
from alerting.model import identity
from gateway.device_index import DeviceIndex


class Directory:
    """The registry for identifiers, the alarm book for what is active on a device."""

    def __init__(self, *, registry: DeviceIndex, book: AlarmBook) -> None:
        self._registry = registry
        self._book = book

    def by_identifier(
        self, identifier: str, *, kinds: frozenset[IdentifierKind]
    ) -> DeviceRef | None:
        return self._registry.by_identifier(identifier, kinds=kinds)

    def alarm_active(self, kind: str, device_id: str) -> bool:
        return self._book.get(identity(kind, "", device_id)) is not None
