"""What every outside shape shares: a frozen pydantic model, written by its wire names."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from core.timefmt import rfc3339


class Shape(BaseModel):
    """Base of the outside shapes. Frozen: a shape is built once from a domain value and
    then only read (the hub hands one instance to every listener)."""

    model_config = ConfigDict(frozen=True)

    def wire(self) -> dict[str, Any]:
        """As JSON-ready builtins, keys as on the wire (``from``, not ``from_``)."""
        return self.model_dump(mode="json", by_alias=True)

    def wire_json(self) -> str:
        """As one line of JSON, keys as on the wire."""
        return self.model_dump_json(by_alias=True)


def at(ms: int) -> str:
    """A time that is always there, RFC 3339 in UTC."""
    text = rfc3339(ms)
    assert text is not None
    return text
