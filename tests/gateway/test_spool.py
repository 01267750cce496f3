from __future__ import annotations

import contextlib
import resource
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.spool import Spool, SpoolFull


@pytest.fixture
def opened() -> Iterator[list[Spool]]:
    spools: list[Spool] = []
    yield spools
    for spool in spools:
        spool.close()


def make(opened: list[Spool], directory: Path, **kwargs: int) -> Spool:
    spool = Spool(directory=directory, **kwargs)  # type: ignore[arg-type]
    opened.append(spool)
    return spool


def drain(spool: Spool) -> list[bytes]:
    out = []
    while (record := spool.peek()) is not None:
        out.append(record)
        spool.pop()
    return out


def test_fifo_order_and_accounting(tmp_path: Path, opened: list[Spool]) -> None:
    spool = make(opened, tmp_path, max_bytes=10_000)
    assert spool.empty() and spool.peek() is None
    for i in range(5):
        spool.append(f"record-{i}".encode())
    assert spool.records == 5 and spool.size_bytes == 5 * (8 + 8)
    assert spool.peek() == b"record-0"
    assert spool.peek() == b"record-0"  # peek does not consume
    assert drain(spool) == [f"record-{i}".encode() for i in range(5)]
    assert spool.empty() and spool.size_bytes == 0


def test_survives_reopen_with_cursor(tmp_path: Path, opened: list[Spool]) -> None:
    spool = make(opened, tmp_path, max_bytes=10_000)
    for i in range(4):
        spool.append(bytes([i]) * 10)
    spool.pop()
    spool.close()
    again = make(opened, tmp_path, max_bytes=10_000)
    assert again.records == 3
    assert drain(again) == [bytes([i]) * 10 for i in range(1, 4)]


def test_torn_tail_record_is_cut_off(tmp_path: Path, opened: list[Spool]) -> None:
    spool = make(opened, tmp_path, max_bytes=10_000)
    spool.append(b"complete")
    spool.append(b"will be torn")
    spool.close()
    segment = next(tmp_path.glob("*.seg"))
    data = segment.read_bytes()
    segment.write_bytes(data[:-3])  # a crash in the middle of the second write
    again = make(opened, tmp_path, max_bytes=10_000)
    assert again.records == 1
    again.append(b"after")
    assert drain(again) == [b"complete", b"after"]


def test_corrupt_crc_at_tail_is_cut_off(tmp_path: Path, opened: list[Spool]) -> None:
    spool = make(opened, tmp_path, max_bytes=10_000)
    spool.append(b"good")
    spool.append(b"flipped")
    spool.close()
    segment = next(tmp_path.glob("*.seg"))
    data = bytearray(segment.read_bytes())
    data[-1] ^= 0xFF
    segment.write_bytes(bytes(data))
    assert drain(make(opened, tmp_path, max_bytes=10_000)) == [b"good"]


def test_disk_budget(tmp_path: Path, opened: list[Spool]) -> None:
    spool = make(opened, tmp_path, max_bytes=50)
    spool.append(b"x" * 30)
    with pytest.raises(SpoolFull):
        spool.append(b"y" * 30)
    spool.pop()
    spool.append(b"y" * 30)  # room again once replayed
    assert drain(spool) == [b"y" * 30]


def test_segments_rotate_and_are_deleted_when_replayed(tmp_path: Path, opened: list[Spool]) -> None:
    spool = make(opened, tmp_path, max_bytes=1_000_000, segment_bytes=100)
    records = [bytes([i % 256]) * 40 for i in range(20)]
    for record in records:
        spool.append(record)
    assert len(list(tmp_path.glob("*.seg"))) > 3
    spool.close()
    again = make(opened, tmp_path, max_bytes=1_000_000, segment_bytes=100)
    assert drain(again) == records
    assert len(list(tmp_path.glob("*.seg"))) <= 2
    again.append(b"new")
    assert drain(again) == [b"new"]


@contextlib.contextmanager
def disk_full_past(limit: int) -> Iterator[None]:
    """The file system refuses writes past ``limit`` bytes of a file (RLIMIT_FSIZE: the
    kernel answers EFBIG, as it answers ENOSPC on a full disk)."""
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old_limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)


def test_a_full_disk_is_a_full_spool_and_leaves_no_torn_record(
    tmp_path: Path, opened: list[Spool]
) -> None:
    spool = make(opened, tmp_path / "s", max_bytes=10**6)
    with disk_full_past(1000):
        spool.append(b"a" * 600)
        with pytest.raises(SpoolFull, match="cannot write"):
            spool.append(b"b" * 600)  # half of it would fit: cut off again
    assert (spool.records, spool.size_bytes) == (1, 608)
    spool.append(b"c" * 600)  # room again: appended after the first, not after a torn half
    spool.close()
    reopened = make(opened, tmp_path / "s", max_bytes=10**6)
    assert drain(reopened) == [b"a" * 600, b"c" * 600]
