from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from core.config import SeriesConfig
from gateway.metrics import Metrics
from gateway.series.point import Point
from gateway.series.sinks.fake import FakeSink
from gateway.series.writer import SeriesWriter
from gateway.spool import Spool


def points(start: int, stop: int) -> list[Point]:
    return [Point("gas", (("device", "d"),), {"lel_pct": float(i)}, i) for i in range(start, stop)]


def run(
    test: Callable[[SeriesWriter, FakeSink, Metrics], Awaitable[None]],
    tmp_path: Path,
    spool_bytes: int = 10_000_000,
    **config: float,
) -> None:
    async def main() -> None:
        sink = FakeSink()
        metrics = Metrics()
        with Spool(directory=tmp_path / "spool", max_bytes=spool_bytes, fsync=False) as spool:
            writer = SeriesWriter(
                sink=sink,
                spool=spool,
                config=SeriesConfig(
                    **{
                        "batch_size": 100,
                        "flush_interval_s": 0.02,
                        "retry_min_s": 0.01,
                        "retry_max_s": 0.05,
                        **config,
                    }
                ),
                metrics=metrics,
                rejected_dir=tmp_path / "rejected",
            )
            task = asyncio.create_task(writer.run())
            await test(writer, sink, metrics)
            await writer.drain()
            await task

    asyncio.run(main())


async def until(check: Callable[[], bool], timeout: float = 2.0) -> None:
    for _ in range(int(timeout / 0.005)):
        if check():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not met in time")


def test_flushes_by_interval_and_resolves_waiter_after_write(tmp_path: Path) -> None:
    async def body(writer: SeriesWriter, sink: FakeSink, _: Metrics) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        writer.add(points(0, 10), done)
        assert not done.done()  # nothing is durable yet
        await asyncio.wait_for(done, 1)
        assert sink.points == points(0, 10)

    run(body, tmp_path)


def test_flushes_by_size_at_once(tmp_path: Path) -> None:
    async def body(writer: SeriesWriter, sink: FakeSink, _: Metrics) -> None:
        writer.add(points(0, 250))
        await until(lambda: len(sink.batches) == 2, timeout=0.5)  # long before the interval
        assert [len(b) for b in sink.batches] == [100, 100]
        assert writer.backlog == 50  # the rest waits for more points or the interval

    run(body, tmp_path, flush_interval_s=5.0)


def test_waiter_for_an_empty_batch_waits_for_earlier_points(tmp_path: Path) -> None:
    async def body(writer: SeriesWriter, sink: FakeSink, _: Metrics) -> None:
        loop = asyncio.get_running_loop()
        first, second = loop.create_future(), loop.create_future()
        writer.add(points(0, 5), first)
        writer.add([], second)  # e.g. a batch of rejected messages: acked in order
        assert not second.done()
        await asyncio.wait_for(second, 1)
        assert first.done()

    run(body, tmp_path)


def test_outage_spools_then_replays_in_order(tmp_path: Path) -> None:
    async def body(writer: SeriesWriter, sink: FakeSink, metrics: Metrics) -> None:
        loop = asyncio.get_running_loop()
        writer.add(points(0, 50))
        await until(lambda: len(sink.points) == 50)
        sink.down = True
        spooled = loop.create_future()
        writer.add(points(50, 120), spooled)
        await asyncio.wait_for(spooled, 1)  # durable in the spool while the sink is down
        assert writer.spooling
        assert (metrics.registry.get_sample_value("siteguard_series_spool_bytes") or 0) > 0
        later = loop.create_future()
        writer.add(points(120, 150), later)
        await asyncio.wait_for(later, 1)
        sink.down = False
        await until(lambda: len(sink.points) == 150)
        assert sink.points == points(0, 150)  # nothing lost, nothing reordered
        await until(lambda: not writer.spooling)
        writer.add(points(150, 160))
        await until(lambda: len(sink.points) == 160)

    run(body, tmp_path)


def test_a_batch_larger_than_the_whole_spool_holds_until_the_sink_is_back(
    tmp_path: Path,
) -> None:
    """It can never be spooled, and with nothing spooled the replayer would never end the
    spooling: the writer itself goes back to the sink, so the hold ends when the sink is up."""

    async def body(writer: SeriesWriter, sink: FakeSink, metrics: Metrics) -> None:
        writer.add(points(0, 10))
        await until(lambda: len(sink.points) == 10)  # the replayer is idle by now
        sink.down = True
        held = asyncio.get_running_loop().create_future()
        writer.add(points(10, 110), held)
        await until(lambda: metrics.registry.get_sample_value("siteguard_series_spool_full") == 1)
        assert not held.done()  # not durable anywhere: its messages stay in the broker
        sink.down = False
        await asyncio.wait_for(held, 1)
        assert sink.points == points(0, 110)
        assert metrics.registry.get_sample_value("siteguard_series_spool_full") == 0

    run(body, tmp_path, spool_bytes=1024)


def test_rejected_batch_is_set_aside_and_later_batches_flow(tmp_path: Path) -> None:
    async def body(writer: SeriesWriter, sink: FakeSink, metrics: Metrics) -> None:
        sink.reject_next = 1
        writer.add(points(0, 10))
        rejected = "siteguard_series_points_rejected_total"
        await until(lambda: metrics.registry.get_sample_value(rejected) == 10)
        writer.add(points(10, 20))
        await until(lambda: sink.points == points(10, 20))
        assert (tmp_path / "rejected" / "rejected.msgpack").stat().st_size > 0

    run(body, tmp_path)


def test_spool_left_by_a_previous_run_is_replayed_first(tmp_path: Path) -> None:
    async def first(writer: SeriesWriter, sink: FakeSink, _: Metrics) -> None:
        sink.down = True
        done = asyncio.get_running_loop().create_future()
        writer.add(points(0, 30), done)
        await asyncio.wait_for(done, 1)

    run(first, tmp_path)

    async def second(writer: SeriesWriter, sink: FakeSink, _: Metrics) -> None:
        writer.add(points(30, 40))
        await until(lambda: len(sink.points) == 40)
        assert sink.points == points(0, 40)

    run(second, tmp_path)
