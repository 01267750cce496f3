"""InfluxDB 2.x/3.x (and 1.8+ compatibility) through the official ``influxdb-client``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import urllib3
from influxdb_client.client.influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.domain.write_precision import WritePrecision
from influxdb_client.rest import ApiException

from core.config import InfluxConfig, Settings
from gateway.series.lineprotocol import LineProtocol
from gateway.series.point import Point
from gateway.series.sinks.base import SinkPlugin, SinkUnavailable, classify_http

# The client declares its precision constants as plain str.
_PRECISION: WritePrecision = WritePrecision.US  # type: ignore[assignment]


class InfluxV2Sink:
    name = "influx_v2"

    def __init__(self, *, config: InfluxConfig) -> None:
        self._lines = LineProtocol()
        token = config.token.get_secret_value() if config.token else ""
        self._bucket = config.bucket
        self._org = config.write_org
        # Retries are ours (spool and replay), so the client must not retry on its own.
        self._client = InfluxDBClient(
            url=config.url,
            token=token,
            org=self._org,
            timeout=int(config.timeout_s * 1000),
            retries=False,
        )
        self._write_api = self._client.write_api(write_options=SYNCHRONOUS)

    @classmethod
    def from_settings(cls, settings: Settings) -> InfluxV2Sink:
        return cls(config=settings.influx)

    async def write(self, points: Sequence[Point]) -> None:
        # Rendered on the writer's thread too: 5,000 points are ~20 ms of work that would
        # otherwise hold up the event loop (and an alarm behind it). One write at a time.
        await asyncio.to_thread(self._write, points)

    def _write(self, points: Sequence[Point]) -> None:
        body = self._lines.render(points)
        try:
            self._write_api.write(
                bucket=self._bucket,
                org=self._org,
                record=body,
                write_precision=_PRECISION,
            )
        except ApiException as exc:
            raise classify_http(int(exc.status or 0), str(exc.body or exc.reason)) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SinkUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        await asyncio.to_thread(self._client.close)


PLUGIN = SinkPlugin(name=InfluxV2Sink.name, build=InfluxV2Sink.from_settings)
