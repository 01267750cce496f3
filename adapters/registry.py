"""Adapters by name, and which one a topic belongs to."""

from __future__ import annotations

from adapters.base import Adapter, DeviceDirectory, RawMessage, Rejection
from adapters.canonical import CanonicalAdapter
from adapters.events import Event


class AdapterRegistry:
    """Routes ``{prefix}/vendor/{name}/...`` to the named adapter and the rest to canonical."""

    def __init__(self, *, topic_prefix: str, canonical: Adapter) -> None:
        self._prefix = topic_prefix + "/"
        self._vendor_prefix = topic_prefix + "/vendor/"
        self._canonical = canonical
        self._adapters: dict[str, Adapter] = {canonical.name: canonical}

    def register(self, adapter: Adapter) -> None:
        if adapter.name in self._adapters:
            raise ValueError(f"adapter {adapter.name!r} is already registered")
        self._adapters[adapter.name] = adapter

    def get(self, name: str) -> Adapter | None:
        return self._adapters.get(name)

    @property
    def names(self) -> list[str]:
        return sorted(self._adapters)

    def decode(self, message: RawMessage, directory: DeviceDirectory) -> list[Event] | Rejection:
        topic = message.topic
        if topic.startswith(self._vendor_prefix):
            name = topic[len(self._vendor_prefix) :].split("/", 1)[0]
            adapter = self._adapters.get(name)
            if adapter is None or adapter is self._canonical:
                return Rejection(
                    reason="unknown_adapter", detail=f"no adapter {name!r}", adapter="registry"
                )
            return adapter.decode(message, directory)
        if not topic.startswith(self._prefix):
            return Rejection(
                reason="bad_topic", detail=f"outside {self._prefix}#: {topic!r}", adapter="registry"
            )
        return self._canonical.decode(message, directory)


def default_registry(*, topic_prefix: str, max_payload_bytes: int) -> AdapterRegistry:
    """The registry with every adapter that ships with SiteGuard."""
    return AdapterRegistry(
        topic_prefix=topic_prefix,
        canonical=CanonicalAdapter(topic_prefix=topic_prefix, max_payload_bytes=max_payload_bytes),
    )
