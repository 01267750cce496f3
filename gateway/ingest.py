"""MQTT ingest: persistent sessions, QoS 1, acknowledged only once durable.

Two sessions (docs/architecture.md, "Two lanes"): ``{client_id}-events`` subscribes to the
devices' ``event`` channel only, ``{client_id}`` to telemetry, heartbeats and vendor topics.
The broker keeps a queue per session, so after an outage an alarm is delivered at once on
its own session instead of behind the telemetry that piled up meanwhile; the pipeline then
takes it ahead of any telemetry backlog of its own. The filters do not overlap: no message
is delivered twice.

The transport is gmqtt, chosen by ``bench/transport.py`` (asyncio-native and the fastest of
gmqtt, paho-mqtt and aiomqtt with manual acknowledgement).

Acknowledgement: gmqtt's own manual mode (``optimistic_acknowledgement=False``) runs an
``async on_message`` as one task per message and sends the PUBACK when it returns; that task
alone cost a fifth of the gateway's CPU in ``bench/ingest.py``. So, where the installed gmqtt
has the hook, QoS 1 publishes are taken from the packet handler directly
(``_handle_qos_1_publish_packet``, which receives the packet id) and their PUBACKs are sent
in one go when the pipeline batch holding them is durable. Otherwise the documented
``async on_message`` path is used, with the same guarantees. Either way a message whose
batch cannot be made durable (shutdown, lost connection) is never acknowledged: the broker
keeps it in our session and delivers it again.

With ``ha.enabled``, ``may_act`` is the lease (``gateway/store/lease.py``): an instance
that no longer holds it sends no PUBACK and never connects again, so a paused old active
that wakes up cannot take the session back from its successor.

This module owns reconnection: each connection attempt uses a fresh client, with backoff
and jitter between attempts, so gmqtt's fixed-delay reconnect is switched off. Each session
reconnects on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import gmqtt
from gmqtt.mqtt.constants import MQTTv50, MQTTv311

from adapters.base import RawMessage
from core.backoff import Backoff
from core.clock import Clock
from core.config import MqttConfig
from gateway.metrics import Metrics

log = logging.getLogger(__name__)

Submit = Callable[..., "asyncio.Future[None] | None"]
_STABLE_S = 10.0  # a connection that lasted this long resets the backoff


class NoAck(Exception):
    """Raised from on_message so that gmqtt sends no PUBACK; the broker will redeliver."""


def quiet_noack(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Loop exception handler: a NoAck surfacing in gmqtt's callback is expected, not an error."""
    if isinstance(context.get("exception"), NoAck):
        return
    loop.default_exception_handler(context)


class _Client(gmqtt.Client):  # type: ignore[misc]
    """A gmqtt client that reports a lost connection instead of reconnecting by itself."""

    lost: asyncio.Event
    alive: list[bool]  # [False] once we gave this connection up

    async def reconnect(self, delay: bool = False) -> None:
        self.lost.set()


@dataclass(frozen=True, kw_only=True)
class Session:
    """One persistent session: who we are to the broker and what we subscribe to."""

    client_id: str
    filters: tuple[str, ...]
    # Filters an earlier release subscribed under this client id; the broker keeps them
    # with the session, so they are removed (queued messages still arrive, once).
    unsubscribe: tuple[str, ...] = ()


def sessions_for(config: MqttConfig) -> tuple[Session, ...]:
    """The events session first: after a restart it connects, and delivers, first."""
    p, cid = config.topic_prefix, config.client_id
    return (
        Session(client_id=f"{cid}-events", filters=(f"{p}/+/+/+/event",)),
        Session(
            client_id=cid,
            filters=(f"{p}/+/+/+/telemetry", f"{p}/+/+/+/heartbeat", f"{p}/vendor/#"),
            unsubscribe=(f"{p}/#",),
        ),
    )


class MqttIngest:
    def __init__(
        self,
        *,
        config: MqttConfig,
        submit: Submit,
        clock: Clock,
        metrics: Metrics,
        fast_ack: bool = True,
        sessions: Sequence[Session] | None = None,
        client_factory: Callable[..., _Client] = _Client,
        may_act: Callable[[], bool] = lambda: True,
    ) -> None:
        """``client_factory`` makes the client of each connection attempt, with gmqtt's
        ``Client`` arguments; tests pass one that makes a fake (tests/gateway/test_ingest.py)."""
        self._config = config
        self._submit = submit
        self._clock = clock
        self._metrics = metrics
        self._fast_ack = fast_ack
        self._sessions = tuple(sessions) if sessions is not None else sessions_for(config)
        self._client_factory = client_factory
        self._may_act = may_act
        self._accepting = True
        self._subscribed: set[str] = set()
        self._clients: dict[str, _Client] = {}
        self._stop = asyncio.Event()

    @property
    def subscribed(self) -> bool:
        """Every session connected and subscribed."""
        return len(self._subscribed) == len(self._sessions)

    def stop_accepting(self) -> None:
        """From now on, messages are left unacknowledged for the next run to take."""
        self._accepting = False

    async def run(self) -> None:
        """Keep every session connected and subscribed until ``close``."""
        await asyncio.gather(*(self._keep(session) for session in self._sessions))

    async def close(self) -> None:
        """Disconnect cleanly; PUBACKs already queued go out first."""
        self._stop.set()
        for client in list(self._clients.values()):
            with contextlib.suppress(Exception):
                await client.disconnect()
        self._subscribed.clear()
        self._metrics.mqtt_connected.set(0)

    async def _keep(self, session: Session) -> None:
        backoff = Backoff(
            initial=self._config.reconnect_min_s, maximum=self._config.reconnect_max_s
        )
        failures = 0
        loop = asyncio.get_running_loop()
        first = True
        while not self._stop.is_set():
            if not self._may_act():
                log.warning("%s: not connecting: the lease is not ours", session.client_id)
                self._metrics.ha_fenced.labels("connect").inc()
                await self._stop.wait()
                break
            if not first:
                self._metrics.mqtt_reconnects.inc()
            first = False
            client = self._new_client(session)
            try:
                await asyncio.wait_for(self._connect(client, session), timeout=15)
            except (OSError, TimeoutError, gmqtt.mqtt.handler.MQTTConnectError) as exc:
                log.warning(
                    "%s: cannot connect to %s:%s (%s); retrying in %.1fs",
                    session.client_id,
                    self._config.host,
                    self._config.port,
                    exc or type(exc).__name__,
                    backoff.base(failures),
                )
                await self._forget(client)
                await self._sleep(backoff.delay(failures))
                failures += 1
                continue
            started = loop.time()
            await self._wait_either(client.lost, self._stop)
            self._set_subscribed(session, False)
            if self._stop.is_set():
                break
            log.warning("%s: lost the broker connection; reconnecting", session.client_id)
            await self._forget(client)
            if loop.time() - started >= _STABLE_S:
                failures = 0
            await self._sleep(backoff.delay(failures))
            failures += 1

    def _set_subscribed(self, session: Session, subscribed: bool) -> None:
        if subscribed:
            self._subscribed.add(session.client_id)
        else:
            self._subscribed.discard(session.client_id)
        self._metrics.mqtt_connected.set(1 if self.subscribed else 0)

    # ---- connection -------------------------------------------------------------------

    def _new_client(self, session: Session) -> _Client:
        kwargs: dict[str, Any] = {}
        if self._config.protocol == "5":
            kwargs["session_expiry_interval"] = self._config.session_expiry_s
            kwargs["receive_maximum"] = self._config.receive_maximum
        client = self._client_factory(
            session.client_id,
            clean_session=False,
            optimistic_acknowledgement=False,
            **kwargs,
        )
        client.lost = asyncio.Event()
        alive = [True]
        client.alive = alive
        handler = client._package_handler
        if self._fast_ack and _has_qos1_hook(handler):
            handler._handle_qos_1_publish_packet = self._qos1_hook(handler, alive)
            client.on_message = self._on_qos0
        else:
            client.on_message = self._on_message_for(alive)
        client.on_disconnect = lambda *_: client.lost.set()
        client.on_subscribe = lambda _c, _mid, qos, _p: self._on_subscribe(session, qos)
        if self._config.username:
            password = self._config.password.get_secret_value() if self._config.password else None
            client.set_auth_credentials(self._config.username, password)
        self._clients[session.client_id] = client
        return client

    async def _connect(self, client: _Client, session: Session) -> None:
        version = MQTTv50 if self._config.protocol == "5" else MQTTv311
        await client.connect(
            self._config.host,
            self._config.port,
            ssl=self._ssl_context() or False,
            keepalive=self._config.keepalive_s,
            version=version,
        )
        for old in session.unsubscribe:
            client.unsubscribe(old)
        client.subscribe([gmqtt.Subscription(f, qos=1) for f in session.filters])
        log.info(
            "connected to %s:%s as %s; subscribing to %s",
            self._config.host,
            self._config.port,
            session.client_id,
            ", ".join(session.filters),
        )

    def _on_subscribe(self, session: Session, qos: Any) -> None:
        granted = list(qos) if isinstance(qos, list | tuple) else [qos]
        if any(int(code) >= 0x80 for code in granted):
            log.error(
                "%s: the broker refused the subscription (codes %s)", session.client_id, granted
            )
            return
        self._set_subscribed(session, True)

    async def _forget(self, client: _Client) -> None:
        client.alive[0] = False
        with contextlib.suppress(Exception):
            await client.disconnect()

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self._config.tls:
            return None
        context = ssl.create_default_context(
            cafile=str(self._config.ca_file) if self._config.ca_file else None
        )
        if self._config.cert_file:
            context.load_cert_chain(
                str(self._config.cert_file),
                str(self._config.key_file) if self._config.key_file else None,
            )
        if self._config.tls_insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    # ---- messages ---------------------------------------------------------------------

    def _raw(self, topic: str | bytes, payload: bytes, qos: int) -> RawMessage:
        if isinstance(topic, bytes):
            topic = topic.decode("utf-8", errors="replace")
        return RawMessage(
            topic=topic,
            payload=bytes(payload),
            qos=qos,
            received_ms=self._clock.now_ms(),
            source="mqtt",
        )

    def _on_qos0(
        self, client: Any, topic: str | bytes, payload: bytes, qos: int, properties: Any
    ) -> int:
        """QoS 0 (and anything else gmqtt hands to on_message on the fast path): no ack."""
        if self._accepting:
            self._submit(self._raw(topic, payload, qos), want_ack=False)
        return 0

    def _qos1_hook(self, handler: Any, alive: list[bool]) -> Callable[..., None]:
        """Replaces gmqtt's QoS 1 handling: submit, and PUBACK the whole chunk once durable,
        in one socket write."""
        waiting: dict[asyncio.Future[None], list[int]] = {}

        def acknowledge(done: asyncio.Future[None]) -> None:
            mids = waiting.pop(done)
            if done.cancelled() or done.exception() is not None or not alive[0]:
                return  # not durable, or the connection is gone: the broker will redeliver
            if not self._may_act():
                self._metrics.ha_fenced.labels("ack").inc(len(mids))
                return  # fenced: the successor takes these from the broker
            connection = getattr(handler, "current_connection", None)
            if connection is None or not callable(getattr(connection, "send_package", None)):
                for mid in mids:
                    handler._send_puback(mid)
                return
            # PUBACK with a success reason and no properties is these four bytes in MQTT
            # 3.1.1 and 5 alike (v5 3.4.2.1: reason and properties may be omitted).
            connection.send_package(struct.pack(f">{len(mids)}I", *(_PUBACK | m for m in mids)))

        def on_qos1(mid: int, packet: bytes, topic: str | bytes, properties: Any) -> None:
            if not self._accepting:
                return
            done = self._submit(self._raw(topic, packet, 1), want_ack=True)
            if done is None:
                return
            mids = waiting.get(done)
            if mids is None:
                mids = waiting[done] = []
                done.add_done_callback(acknowledge)
            mids.append(mid)

        return on_qos1

    def _on_message_for(self, alive: list[bool]) -> Callable[..., Any]:
        async def on_message(
            client: Any, topic: str | bytes, payload: bytes, qos: int, properties: Any
        ) -> int:
            if not self._accepting:
                raise NoAck
            done = self._submit(self._raw(topic, payload, qos), want_ack=qos > 0)
            if done is not None:
                await done
                if not alive[0] or not self._may_act():
                    raise NoAck  # the connection that delivered it is gone, or the lease
            return 0

        return on_message

    # ---- helpers ----------------------------------------------------------------------

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    @staticmethod
    async def _wait_either(a: asyncio.Event, b: asyncio.Event) -> None:
        tasks = [asyncio.ensure_future(a.wait()), asyncio.ensure_future(b.wait())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()


# A PUBACK is 0x40 0x02 and the packet id: one big-endian 32-bit word per packet.
_PUBACK: Final = 0x4002_0000


def _has_qos1_hook(handler: Any) -> bool:
    return callable(getattr(handler, "_handle_qos_1_publish_packet", None)) and callable(
        getattr(handler, "_send_puback", None)
    )
