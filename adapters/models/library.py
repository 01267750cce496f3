"""The product models a gateway knows: SiteGuard's own (``builtin/``) and a site's
(``adapters.models_dir``), checked when they are loaded, and the choice of one for a message.

A site's model with the id of a built-in one replaces it. A message's model is, in order:
the one its device is registered with (``model``), the one for its platform product
(``<adapter>:<product id>``), the one for its registry vendor and model, the one whose
shape fields it carries, and otherwise the generic model (the names the Chinese platforms'
standard models use).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, Final

import msgspec

from adapters.base import DeviceRef
from adapters.frames import DECODERS
from adapters.models.model import ProductModel
from adapters.models.spec import Model

GENERIC: Final = "generic"
_PATH_PART = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")


class ModelError(ValueError):
    """A model file that cannot be used; the message names the file and the line."""


class ModelLibrary:
    def __init__(self, models: Iterable[ProductModel]) -> None:
        self._by_id: dict[str, ProductModel] = {}
        for model in models:
            self._by_id[model.id] = model  # later ones (a site's) replace earlier ones
        if GENERIC not in self._by_id:
            raise ModelError(f"no {GENERIC!r} model: it is the fallback of every adapter")
        self.generic = self._by_id[GENERIC]
        self._by_product: dict[str, ProductModel] = {}
        self._by_registry: dict[str, ProductModel] = {}
        self._shaped: list[ProductModel] = []
        for model in self._by_id.values():
            for product in model.spec.match.products:
                self._by_product[product.lower()] = model
            for entry in model.spec.match.registry:
                self._by_registry[entry.lower()] = model
            if model.matches_shape:
                self._shaped.append(model)
        # The model whose shape names more fields is the more specific one: tried first.
        self._shaped.sort(key=lambda m: (-len(m.matches_shape), m.id))

    @classmethod
    def load(cls, directory: Path | None = None) -> ModelLibrary:
        """The built-in models and, when given, every ``*.toml`` / ``*.json`` in
        ``directory`` (raises ModelError naming the file and line of the first problem)."""
        models = [
            parse(entry.read_text(encoding="utf-8"), f"builtin:{entry.name}")
            for entry in sorted(
                resources.files("adapters.models").joinpath("builtin").iterdir(),
                key=lambda e: e.name,
            )
            if entry.name.endswith(".toml")
        ]
        if directory is not None:
            if not directory.is_dir():
                raise ModelError(f"{directory}: not a directory of product models")
            for path in sorted(directory.iterdir()):
                if path.suffix in (".toml", ".json"):
                    models.append(parse(path.read_text(encoding="utf-8"), str(path)))
        return cls(models)

    def __len__(self) -> int:
        return len(self._by_id)

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def models(self) -> list[ProductModel]:
        return [self._by_id[i] for i in sorted(self._by_id)]

    def get(self, model_id: str) -> ProductModel | None:
        return self._by_id.get(model_id)

    def choose(
        self,
        *,
        adapter: str,
        product: str | None = None,
        device: DeviceRef | None = None,
        names: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> ProductModel:
        if device is not None and device.model:
            named = self._by_id.get(device.model) or self._by_registry.get(
                f"{device.vendor or ''}/{device.model}".lower()
            )
            if named is not None:
                return named
        if product:
            by_product = self._by_product.get(f"{adapter}:{product}".lower())
            if by_product is not None:
                return by_product
        for model in self._shaped:
            if model.reads(names):
                return model
        return self.generic


def parse(source: str, origin: str) -> ProductModel:
    """One model file's text (TOML, or JSON when ``origin`` ends in .json)."""
    try:
        data: Any = json.loads(source) if origin.endswith(".json") else tomllib.loads(source)
    except json.JSONDecodeError as exc:
        raise ModelError(f"{origin}:{exc.lineno}: not JSON: {exc.msg}") from exc
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise ModelError(f"{origin}:{found.group(1) if found else 1}: not TOML: {exc}") from exc
    try:
        spec = msgspec.convert(data, Model)
    except msgspec.ValidationError as exc:
        where = re.search(r"at `\$(.*)`", str(exc))
        path = where.group(1) if where else ""
        message = str(exc).split(" - at ")[0]
        line = _line_of(source, path)
        raise ModelError(f"{origin}:{line}: {path or 'model'}: {message}") from exc
    if spec.frame is not None and spec.frame not in DECODERS:
        known = ", ".join(sorted(DECODERS))
        raise ModelError(
            f"{origin}:{_line_of(source, '.frame')}: frame {spec.frame!r} is not a frame "
            f"decoder (known: {known})"
        )
    return ProductModel(spec, origin=origin)


def _line_of(source: str, path: str) -> int:
    """The line a path like ``.states[1].values.3`` points at, as near as the text says:
    each key is looked for after the line its parent was found on."""
    lines = source.splitlines()
    at = 0
    for key, index in _PATH_PART.findall(path):
        if key:
            pattern = re.compile(
                rf"^\s*(\[\[?\s*[\w.]*\b{re.escape(key)}\s*\]\]?|\"?{re.escape(key)}\"?\s*[=:])"
            )
            for number in range(at, len(lines)):
                if pattern.search(lines[number]):
                    at = number
                    break
        elif index:
            # The index-th table of an array of tables after the parent's line.
            header = lines[at].strip() if at < len(lines) else ""
            seen = -1
            for number in range(at, len(lines)):
                if lines[number].strip() == header:
                    seen += 1
                    if seen == int(index):
                        at = number
                        break
    return at + 1
