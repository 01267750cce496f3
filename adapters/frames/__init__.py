"""Binary frames of products that send bytes, not named values: a decoder per frame format,
registered by name, each turning bytes into the named fields a product model reads
(``adapters/models``). A decoder returns the fields, or a sentence saying why the bytes
are not its frame; it never raises and never guesses."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any, Final

from adapters.frames import huaqiang_w308, milesight_gs101, milesight_gs524n

FrameDecoder = Callable[[bytes], dict[str, Any] | str]

DECODERS: Final[MappingProxyType[str, FrameDecoder]] = MappingProxyType(
    {
        huaqiang_w308.NAME: huaqiang_w308.decode,
        milesight_gs524n.NAME: milesight_gs524n.decode,
        milesight_gs101.NAME: milesight_gs101.decode,
    }
)

__all__ = ["DECODERS", "FrameDecoder"]
