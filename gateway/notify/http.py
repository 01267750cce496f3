"""What the HTTP channels share: one client, one POST, and what counts as delivered."""

from __future__ import annotations

from typing import Any

import httpx

from core.config import redact_url
from gateway.notify.base import NotifyError


class HttpPoster:
    def __init__(self, *, timeout_s: float) -> None:
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def post(
        self,
        url: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        ok_field: str | None = None,
    ) -> None:
        """POST; raise NotifyError unless the answer is 2xx (and, for robot APIs that answer
        200 with an error code, ``ok_field`` is 0 or absent)."""
        try:
            response = await self._client.post(url, json=json, content=content, headers=headers)
        except httpx.HTTPError as exc:
            # A robot's URL carries its access token: never in a log or a stored error.
            said = str(exc).replace(url, redact_url(url))
            raise NotifyError(f"{type(exc).__name__}: {said}") from exc
        if not response.is_success:
            raise NotifyError(f"HTTP {response.status_code}: {response.text[:300]}")
        if ok_field is None:
            return
        try:
            body = response.json()
        except ValueError as exc:
            raise NotifyError(f"not JSON: {response.text[:300]}") from exc
        code = body.get(ok_field, 0) if isinstance(body, dict) else 0
        if code not in (0, None):
            raise NotifyError(f"{ok_field}={code}: {body}")

    async def close(self) -> None:
        await self._client.aclose()
