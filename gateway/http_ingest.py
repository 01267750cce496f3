"""HTTP push ingest: ``POST /api/v1/ingest/{adapter}`` from carrier and cloud platforms.

A push is answered 200 once it is accepted in the same sense as an MQTT message (its
write-set committed or spooled, its points written or spooled): platforms retry failures
and then cool down, pausing every device behind them, so the answer must be quick and
mean "never send this again". What the push contained (events, a device held as pending,
a rejection with its reason) is in the answer's body for the platform's logs; a push whose
content is refused is still answered 200, since sending the same bytes again cannot help
and it is kept as a dead letter. A push not durable within ``ingest.http_accept_timeout_s``
is answered 503: the platform retries, and the copy is dropped as a duplicate by content.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from adapters.base import (
    FreshPush,
    PushFreshness,
    PushHandshake,
    PushRequest,
    RawMessage,
    Rejection,
    SignedPush,
)
from adapters.registry import AdapterRegistry
from core.clock import Clock
from core.config import AdaptersConfig, PushConfig
from gateway.directory import Directory
from gateway.intake import IntakeFull
from gateway.replay import ReplayGuard

Submit = Callable[..., "asyncio.Future[None] | None"]
_CLOCK_SKEW_MS = 300_000  # a platform's clock ahead of ours by up to five minutes
_MISSING_CREDENTIAL = (
    "no push secret: send 'Authorization: Bearer <secret>', an 'X-SiteGuard-Secret' header "
    "or '?secret='"
)


class PushRefused(Exception):
    """A push refused before it was looked at; ``status`` is the HTTP status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class PushResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    accepted: bool = Field(description="false when nothing in it could be used")
    events: int = Field(description="canonical events it became")
    held: list[str] = Field(description="identifiers of unregistered devices, now pending")
    rejected: list[str] = Field(description="rejection reasons (kept as dead letters)")
    duplicate: bool = Field(
        default=False, description="already taken (a retry or a replay): nothing taken again"
    )


class HttpIngest:
    def __init__(
        self,
        *,
        adapters: AdapterRegistry,
        configs: AdaptersConfig,
        directory: Directory,
        submit: Submit,
        clock: Clock,
        topic_prefix: str,
        max_bytes: int,
        accept_timeout_s: float,
        guard: ReplayGuard | None = None,
    ) -> None:
        self._adapters = adapters
        self._configs = configs
        self._directory = directory
        self._submit = submit
        self._clock = clock
        self._prefix = topic_prefix
        self.max_bytes = max_bytes
        self._timeout = accept_timeout_s
        self._guard = guard or ReplayGuard()

    def _adapter(self, name: str) -> tuple[Any, PushConfig]:
        config = getattr(self._configs, name, None)
        adapter = self._adapters.get(name)
        if adapter is None or not isinstance(config, PushConfig):
            known = ", ".join(n for n in self._adapters.names if n != "canonical")
            raise PushRefused(404, f"no adapter {name!r} takes HTTP pushes (known: {known})")
        return adapter, config

    def authenticate(self, name: str, request: PushRequest) -> PushFreshness:
        """Raises PushRefused unless the push's credential holds; then what its signature
        says about freshness (nothing, for a shared secret)."""
        adapter, config = self._adapter(name)
        signed = isinstance(adapter, SignedPush) and adapter.signs()
        secret = config.secret.get_secret_value() if config.secret else None
        if secret is None and not signed:
            raise PushRefused(
                403, f"HTTP push to {name} is not enabled: set adapters.{name}.secret"
            )
        given = _secret_given(request)
        if secret is not None and given is not None:
            if hmac.compare_digest(given.encode(), secret.encode()):
                return PushFreshness()
            raise PushRefused(401, "the push secret does not match")
        if signed:
            problem = adapter.verify_push(request)
            if problem is not None:
                raise PushRefused(401, f"signature check failed: {problem}")
            if isinstance(adapter, FreshPush):
                return adapter.freshness(request)
            return PushFreshness()
        raise PushRefused(401, _MISSING_CREDENTIAL)

    def handshake(self, name: str, query: Mapping[str, str]) -> str:
        adapter, _ = self._adapter(name)
        if not isinstance(adapter, PushHandshake):
            raise PushRefused(405, f"{name} pushes are POSTed; there is no URL check to answer")
        answer = adapter.handshake(query)
        if answer is None:
            raise PushRefused(401, "the URL check's signature does not match the token")
        return answer

    async def push(self, name: str, request: PushRequest) -> PushResult:
        """Authenticates, then returns once the push is durable (or raises PushRefused)."""
        fresh = self.authenticate(name, request)
        _, config = self._adapter(name)
        now = self._clock.now_ms()
        window_ms = config.replay_window_s * 1000
        if fresh.sent_ms is not None and not -_CLOCK_SKEW_MS <= now - fresh.sent_ms <= window_ms:
            raise PushRefused(
                401,
                f"stale push: its signed time is {(now - fresh.sent_ms) // 1000} s from ours, "
                f"outside adapters.{name}.replay_window_s ({config.replay_window_s} s)",
            )
        keys = [f"{name}:c:{hashlib.sha256(request.body).hexdigest()}"]
        if fresh.nonce:
            keys.append(f"{name}:n:{fresh.nonce[:128]}")
        if any(self._guard.seen(key, now) for key in keys):
            return PushResult(accepted=True, events=0, held=[], rejected=[], duplicate=True)
        for key in keys:
            self._guard.remember(key, now, window_ms)
        try:
            return await self._take(name, request)
        except PushRefused:
            for key in keys:  # not taken: the platform's retry must be taken
                self._guard.forget(key)
            raise

    async def _take(self, name: str, request: PushRequest) -> PushResult:
        message = RawMessage(
            topic=f"{self._prefix}/vendor/{name}/http",
            payload=request.body,
            received_ms=self._clock.now_ms(),
            qos=1,
            source="http",
        )
        result, urgent = self._preview(message)
        try:
            done = self._submit(message, want_ack=True, urgent=urgent, refuse_when_full=True)
        except IntakeFull as exc:
            raise PushRefused(503, f"the gateway is busy: {exc}") from exc
        if done is not None:
            try:
                await asyncio.wait_for(asyncio.shield(done), self._timeout)
            except TimeoutError as exc:
                raise PushRefused(
                    503, "not yet durable (storage is slow or down); retry later"
                ) from exc
        return result

    def _preview(self, message: RawMessage) -> tuple[PushResult, bool]:
        """What the pipeline will make of it, for the answer (decoding is pure and cheap), and
        whether it carries an alarm event (then it takes the urgent lane)."""
        decoded = self._adapters.decode(message, self._directory)
        events = 0
        urgent = False
        held: list[str] = []
        rejected: list[str] = []
        for outcome in (decoded,) if isinstance(decoded, Rejection) else decoded:
            if not isinstance(outcome, Rejection):
                events += 1
                urgent = urgent or outcome.channel == "event"
            elif outcome.reason == "unknown_device" and outcome.identifier:
                held.append(outcome.identifier)
            else:
                rejected.append(outcome.reason)
        result = PushResult(
            accepted=bool(events or held or not rejected),
            events=events,
            held=held,
            rejected=rejected,
        )
        return result, urgent


def _secret_given(request: PushRequest) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-siteguard-secret") or request.query.get("secret")
