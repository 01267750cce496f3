"""InfluxDB 1.x: ``POST /write?db=...&precision=u`` with line protocol."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx

from core.config import InfluxConfig, Settings
from gateway.series.lineprotocol import LineProtocol
from gateway.series.point import Point
from gateway.series.sinks.base import SinkPlugin, SinkUnavailable, classify_http


class InfluxV1Sink:
    name = "influx_v1"

    def __init__(self, *, config: InfluxConfig) -> None:
        self._lines = LineProtocol()
        params = {"db": config.database, "precision": "u"}
        auth = None
        if config.username:
            password = config.password.get_secret_value() if config.password else ""
            auth = httpx.BasicAuth(config.username, password)
        self._client = httpx.AsyncClient(
            base_url=config.url, params=params, auth=auth, timeout=config.timeout_s
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> InfluxV1Sink:
        return cls(config=settings.influx)

    async def write(self, points: Sequence[Point]) -> None:
        # Rendered on a worker thread: ~20 ms for a full batch, not on the event loop.
        body = await asyncio.to_thread(self._lines.render, points)
        try:
            response = await self._client.post("/write", content=body)
        except httpx.HTTPError as exc:
            raise SinkUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 204:
            raise classify_http(response.status_code, response.text)

    async def close(self) -> None:
        await self._client.aclose()


PLUGIN = SinkPlugin(name=InfluxV1Sink.name, build=InfluxV1Sink.from_settings)
