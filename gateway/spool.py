"""A durable first-in, first-out queue of records on local disk.

Used wherever an accepted piece of data cannot reach its server right now (series points
while InfluxDB is down, write-sets while the database is down): ``append`` returns only once
the record is on disk, so the message that produced it can be acknowledged; ``peek``/``pop``
replay records in order once the server is back.

Layout: numbered segment files of framed records (length, CRC32, bytes) and a ``cursor``
file naming the next record to replay. A record torn by a crash at the tail of the last
segment was never acknowledged, so it is cut off when the spool is opened.

A full disk is the budget reached early: a record the file system refuses is cut off again
and ``append`` raises SpoolFull, so the caller holds (its messages stay in the broker)
instead of failing. A cursor that cannot be saved is not fatal either: records replayed
since the last saved cursor are replayed again after a crash, which every user of the
spool tolerates (write-sets and points are idempotent).
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import zlib
from io import RawIOBase
from pathlib import Path
from typing import Final

_HEADER: Final = struct.Struct("<II")  # length, crc32
_SUFFIX: Final = ".seg"


class SpoolFull(Exception):
    """Appending would exceed the spool's disk budget, or the disk itself is full."""


class Spool:
    def __init__(
        self,
        *,
        directory: Path,
        max_bytes: int,
        fsync: bool = True,
        segment_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        self._dir = directory
        self._max_bytes = max_bytes
        self._fsync = fsync
        self._segment_bytes = segment_bytes
        self._lock = threading.Lock()
        self._dir.mkdir(parents=True, exist_ok=True)
        self._segments: list[int] = sorted(
            int(path.stem) for path in self._dir.glob(f"*{_SUFFIX}") if path.stem.isdigit()
        )
        self._read_segment, self._read_offset = self._load_cursor()
        self._segments = [seg for seg in self._segments if seg >= self._read_segment]
        self._records = 0
        self._bytes = 0
        self._scan()
        self._writer = self._open_tail()

    # ---- public API -------------------------------------------------------------------

    @property
    def records(self) -> int:
        return self._records

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    def empty(self) -> bool:
        return self._records == 0

    def append(self, record: bytes) -> None:
        """Write ``record`` durably, or raise SpoolFull."""
        framed = _HEADER.pack(len(record), zlib.crc32(record)) + record
        with self._lock:
            if self._bytes + len(framed) > self._max_bytes:
                raise SpoolFull(
                    f"spool {self._dir} would exceed {self._max_bytes} bytes "
                    f"({self._bytes} in {self._records} records)"
                )
            try:
                if self._writer.tell() >= self._segment_bytes:
                    self._rotate()
                end = self._writer.tell()
                self._write_durably(framed, end)
            except OSError as exc:
                raise SpoolFull(f"spool {self._dir}: cannot write ({exc.strerror})") from exc
            self._records += 1
            self._bytes += len(framed)

    def peek(self) -> bytes | None:
        """The oldest record not yet popped, or None."""
        with self._lock:
            while self._records:
                path = self._path(self._read_segment)
                with path.open("rb") as handle:
                    handle.seek(self._read_offset)
                    header = handle.read(_HEADER.size)
                    if len(header) == _HEADER.size:
                        length, _crc = _HEADER.unpack(header)
                        return handle.read(length)
                # End of this segment: move on to the next one.
                self._advance_segment()
            return None

    def pop(self) -> None:
        """Mark the oldest record replayed; the cursor is persisted before returning."""
        with self._lock:
            path = self._path(self._read_segment)
            with path.open("rb") as handle:
                handle.seek(self._read_offset)
                header = handle.read(_HEADER.size)
            if len(header) < _HEADER.size:
                raise RuntimeError("pop() without a record to pop")
            length, _crc = _HEADER.unpack(header)
            self._read_offset += _HEADER.size + length
            self._records -= 1
            self._bytes -= _HEADER.size + length
            with contextlib.suppress(OSError):  # a full disk: replayed again after a crash
                self._save_cursor()
            exhausted = self._records == 0 or self._read_offset >= path.stat().st_size
            if exhausted and self._read_segment != self._segments[-1]:
                self._advance_segment()

    def close(self) -> None:
        with self._lock:
            self._writer.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- internals --------------------------------------------------------------------

    def _path(self, segment: int) -> Path:
        return self._dir / f"{segment:012d}{_SUFFIX}"

    def _load_cursor(self) -> tuple[int, int]:
        try:
            segment, offset = (self._dir / "cursor").read_text().split()
            return int(segment), int(offset)
        except (FileNotFoundError, ValueError):
            first = self._segments[0] if self._segments else 1
            return first, 0

    def _write_durably(self, framed: bytes, end: int) -> None:
        """Append ``framed`` and fsync; on failure cut the file back to ``end``, so that no
        torn record sits in the middle of the segment for a later append to follow."""
        try:
            view = memoryview(framed)
            while view:
                written = self._writer.write(view)
                view = view[written or 0 :]
            if self._fsync:
                os.fsync(self._writer.fileno())
        except OSError:
            with contextlib.suppress(OSError):
                self._writer.truncate(end)
                self._writer.seek(end)
            raise

    def _save_cursor(self) -> None:
        tmp = self._dir / "cursor.tmp"
        with tmp.open("w") as handle:
            handle.write(f"{self._read_segment} {self._read_offset}")
            handle.flush()
            if self._fsync:
                os.fsync(handle.fileno())
        tmp.replace(self._dir / "cursor")

    def _scan(self) -> None:
        """Count replayable records; cut a torn record off the last segment."""
        for index, segment in enumerate(self._segments):
            path = self._path(segment)
            data = path.read_bytes()
            offset = self._read_offset if segment == self._read_segment else 0
            good_end = offset
            while offset + _HEADER.size <= len(data):
                length, crc = _HEADER.unpack_from(data, offset)
                body = data[offset + _HEADER.size : offset + _HEADER.size + length]
                if len(body) < length or zlib.crc32(body) != crc:
                    break
                offset += _HEADER.size + length
                good_end = offset
                self._records += 1
                self._bytes += _HEADER.size + length
            if good_end < len(data):
                if index != len(self._segments) - 1:
                    raise RuntimeError(f"spool segment {path} is corrupt at byte {good_end}")
                with path.open("r+b") as handle:
                    handle.truncate(good_end)

    def _open_tail(self) -> RawIOBase:
        if not self._segments:
            self._segments.append(self._read_segment)
        return self._open(self._segments[-1])

    def _open(self, segment: int) -> RawIOBase:
        # Unbuffered: a write the disk refuses must not linger in a buffer to be written
        # (torn) by the next flush.
        handle = self._path(segment).open("ab", buffering=0)
        assert isinstance(handle, RawIOBase)
        return handle

    def _rotate(self) -> None:
        self._writer.close()
        self._segments.append(self._segments[-1] + 1)
        self._writer = self._open(self._segments[-1])

    def _advance_segment(self) -> None:
        """Delete the fully replayed head segment and point the cursor at the next one."""
        if self._read_segment == self._segments[-1]:
            # The head is also the tail: start a fresh tail so the old file can go.
            self._rotate()
        old = self._segments.pop(0)
        self._read_segment, self._read_offset = self._segments[0], 0
        self._save_cursor()
        self._path(old).unlink(missing_ok=True)
