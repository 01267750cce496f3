from __future__ import annotations

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
