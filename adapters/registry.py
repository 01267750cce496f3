"""Adapters by name, and which one a topic belongs to."""

from __future__ import annotations

import logging

from adapters.aliyun import AliyunAdapter
from adapters.base import Adapter, Decoded, DeviceDirectory, RawMessage, Rejection
from adapters.canonical import CanonicalAdapter
from adapters.ctwing import CtwingAdapter
from adapters.ebike_board import EbikeBoardAdapter
from adapters.iotda import IotdaAdapter
from adapters.milesight import MilesightAdapter
from adapters.models import ModelLibrary
from adapters.onenet import OnenetAdapter

log = logging.getLogger(__name__)


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

    def decode(self, message: RawMessage, directory: DeviceDirectory) -> Decoded:
        topic = message.topic
        adapter = self._canonical
        if topic.startswith(self._vendor_prefix):
            name = topic[len(self._vendor_prefix) :].split("/", 1)[0]
            vendor = self._adapters.get(name)
            if vendor is None or vendor is self._canonical:
                return Rejection(
                    reason="unknown_adapter", detail=f"no adapter {name!r}", adapter="registry"
                )
            adapter = vendor
        elif not topic.startswith(self._prefix):
            return Rejection(
                reason="bad_topic", detail=f"outside {self._prefix}#: {topic!r}", adapter="registry"
            )
        try:
            return adapter.decode(message, directory)
        except Exception as exc:  # a decoder bug must never stop ingestion
            log.exception("adapter %s raised on a message on %s", adapter.name, topic[:200])
            return Rejection(
                reason="adapter_error",
                detail=f"{type(exc).__name__}: {exc}"[:2000],
                adapter=adapter.name,
            )


def default_registry(
    *,
    topic_prefix: str,
    max_payload_bytes: int,
    onenet_token: str | None = None,
    models: ModelLibrary | None = None,
) -> AdapterRegistry:
    """The registry with every adapter that ships with SiteGuard; ``models``: the product
    models they read values with (the built-in ones when not given)."""
    registry = AdapterRegistry(
        topic_prefix=topic_prefix,
        canonical=CanonicalAdapter(topic_prefix=topic_prefix, max_payload_bytes=max_payload_bytes),
    )
    library = models if models is not None else ModelLibrary.load()
    size = max_payload_bytes
    for adapter in (
        CtwingAdapter(max_payload_bytes=size, models=library),
        OnenetAdapter(max_payload_bytes=size, models=library, token=onenet_token),
        IotdaAdapter(max_payload_bytes=size, models=library),
        AliyunAdapter(max_payload_bytes=size, models=library),
        MilesightAdapter(max_payload_bytes=size, models=library, topic_prefix=topic_prefix),
        EbikeBoardAdapter(max_payload_bytes=size),
    ):
        registry.register(adapter)
    return registry
