"""Product models as data: what each product's fields mean, in TOML or JSON files (SiteGuard's
own in ``builtin/``, a site's in ``adapters.models_dir``), read by every vendor adapter once
the platform's envelope is off. docs/adapters.md, "Product models", says how to write one."""

from adapters.models.library import GENERIC, ModelError, ModelLibrary, parse
from adapters.models.model import ProductModel
from adapters.models.reading import ModelReader

__all__ = ["GENERIC", "ModelError", "ModelLibrary", "ModelReader", "ProductModel", "parse"]
