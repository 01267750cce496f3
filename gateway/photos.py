"""Photos taken at inspections: checked by their first bytes (JPEG, PNG or WebP, whatever the
request claims) and size, kept as files under ``data_dir/photos`` named by id, with a row
in ``photos`` that says whose building they show (who may see them)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class PhotoRefused(ValueError):
    """Not a photo this service keeps; the message says why."""


def media_type(data: bytes) -> str | None:
    """What the bytes are, by their signature; None for anything else (SVG, HTML, ...)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True, kw_only=True)
class StoredPhoto:
    row: dict[str, Any]  # for ``photos``
    path: Path


class PhotoStore:
    def __init__(self, *, directory: Path, max_bytes: int) -> None:
        self._dir = directory
        self._max = max_bytes

    @property
    def max_bytes(self) -> int:
        return self._max

    def save(
        self, data: bytes, *, photo_id: str, building_id: str, by: str, now_ms: int
    ) -> StoredPhoto:
        """Write the file (fsynced: its row is committed next and must not point at nothing)
        and return the row to commit. Blocking: run it off the event loop (with an id taken
        on it: the id factory is not thread-safe)."""
        if len(data) > self._max:
            raise PhotoRefused(f"photo: {len(data)} bytes; at most {self._max}")
        kind = media_type(data)
        if kind is None:
            raise PhotoRefused("photo: not a JPEG, PNG or WebP image")
        self._dir.mkdir(parents=True, exist_ok=True)
        path = self.path(photo_id)
        partial = path.with_suffix(".part")
        with open(partial, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        partial.replace(path)
        row = {
            "id": photo_id,
            "building_id": building_id,
            "media_type": kind,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "created_ms": now_ms,
            "created_by": by,
        }
        return StoredPhoto(row=row, path=path)

    def path(self, photo_id: str) -> Path:
        # Ids are ULIDs the service made; a name from a request never reaches the file system.
        return self._dir / f"{photo_id}.img"

    def read(self, photo_id: str) -> bytes | None:
        try:
            return self.path(photo_id).read_bytes()
        except FileNotFoundError:
            return None
