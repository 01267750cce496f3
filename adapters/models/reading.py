"""What vendor adapters share once they have taken a message out of its platform envelope:
the product's values (or its raw frame) read by the product's model, and what could not be
read turned into a rejection that says so (``unmapped:<fields>``, ``unsupported:frame``),
beside the events, never instead of them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.base import DeviceDirectory, DeviceRef, Rejection
from adapters.events import Event
from adapters.frames import DECODERS
from adapters.models.library import ModelLibrary
from adapters.models.model import ProductModel, norm
from adapters.vendor import EventBuilder, reject

# A reason is a bounded code (a metric label, a 64-character column): the names in it are
# cut to letters, digits, "_" and "."; the detail has them as sent.
_REASON_MAX = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_.]")


class ModelReader:
    def __init__(self, *, adapter: str, library: ModelLibrary) -> None:
        self._adapter = adapter
        self._library = library

    def model(
        self,
        products: Sequence[str | None],
        device: DeviceRef | None,
        values: Mapping[str, Any] | None = None,
    ) -> ProductModel:
        names = {norm(k) for k in values if isinstance(k, str)} if values else set()
        chosen = None
        candidates: list[str | None] = [p for p in products if p] or [None]
        for product in candidates:
            chosen = self._library.choose(
                adapter=self._adapter, product=product, device=device, names=names
            )
            if chosen is not self._library.generic:
                return chosen
        return chosen or self._library.generic

    def describe(
        self, products: Sequence[str | None], values: Mapping[str, Any]
    ) -> tuple[str | None, str]:
        """(device type, summary) of a message whose device is not registered."""
        return self.model(products, None, values).describe(values)

    def read(
        self,
        values: Mapping[str, Any],
        out: EventBuilder,
        directory: DeviceDirectory,
        *,
        products: Sequence[str | None] = (),
        model: ProductModel | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> list[Event | Rejection]:
        """The events the values stand for, then a rejection per value no one could read.
        ``defaults``: numbers the envelope knows (a LoRa gateway's RSSI), used where the
        product's values do not say."""
        model = model or self.model(products, out.device, values)
        problems, unmapped = model.interpret(values, out, directory, defaults=defaults)
        outcomes: list[Event | Rejection] = list(out.events)
        product = self.product(products, model)
        for problem in problems:
            field = problem.split("=", 1)[0]
            outcomes.append(
                _with_product(
                    reject(self._adapter, f"bad_value:{field[:40]}", problem, out.device), product
                )
            )
        if unmapped:
            listed = _listed(unmapped)
            detail = (
                f"product {product} (model {model.id}) sends fields SiteGuard does not read: "
                f"{', '.join(unmapped[:32])}; add them to a product model (docs/adapters.md)"
            )
            unread = reject(self._adapter, f"unmapped:{listed}", detail, out.device)
            outcomes.append(_with_product(unread, product))
        return outcomes

    def frame(
        self,
        model: ProductModel,
        device: DeviceRef,
        data: bytes,
        products: Sequence[str | None],
        *,
        what: str = "frame",
    ) -> dict[str, Any] | Rejection:
        """A binary frame decoded by its product model's frame decoder; never guessed.
        ``what``: the platform's name for the bytes (CTWing's ``APPdata``), for the reason."""
        product = self.product(products, model)
        if model.spec.frame is None:
            return _with_product(
                reject(
                    self._adapter,
                    f"unsupported:{what}",
                    f"product {product} sends binary frames ({data[:32].hex()}...) and no "
                    "product model with a frame decoder is for it (docs/adapters.md)",
                    device,
                ),
                product,
            )
        fields = DECODERS[model.spec.frame](data)
        if isinstance(fields, str):
            return _with_product(
                reject(self._adapter, "bad_value:frame", f"{model.spec.frame}: {fields}", device),
                product,
            )
        return fields

    @property
    def library(self) -> ModelLibrary:
        return self._library

    def product(self, products: Sequence[str | None], model: ProductModel) -> str:
        """What the message is counted under: its platform product, else its model."""
        first = next((p for p in products if p), None)
        return f"{self._adapter}:{first}" if first else f"model:{model.id}"


def _listed(names: list[str]) -> str:
    room = _REASON_MAX - len("unmapped:")
    out = ""
    for name in names:
        part = _UNSAFE.sub("", name)[:32] or "_"
        candidate = f"{out},{part}" if out else part
        if len(candidate) > room:
            return (out + ",..." if len(out) + 4 <= room else out[: room - 4] + ",...") or "..."
        out = candidate
    return out


def _with_product(rejection: Rejection, product: str) -> Rejection:
    return Rejection(
        reason=rejection.reason,
        detail=rejection.detail,
        adapter=rejection.adapter,
        device_id=rejection.device_id,
        building_id=rejection.building_id,
        product=product[:128],
    )
