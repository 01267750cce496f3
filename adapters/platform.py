"""The base of the cloud and LoRaWAN platform adapters: a message is one JSON object (the
platform's envelope), and the product's values inside it are read by the product's model."""

from __future__ import annotations

from adapters.models import ModelLibrary, ModelReader
from adapters.vendor import JsonAdapter


class PlatformAdapter(JsonAdapter):
    name = "platform"

    def __init__(self, *, max_payload_bytes: int, models: ModelLibrary) -> None:
        super().__init__(max_payload_bytes=max_payload_bytes)
        self._models = ModelReader(adapter=self.name, library=models)
