"""MQTT ingest without a broker: its sessions, when it acknowledges, and how it reconnects.

``MqttIngest`` takes a ``client_factory``; here it makes ``FakeClient``s, which stand in for
gmqtt's client as ingest uses it: ``connect`` (refused as the test plans), ``subscribe`` (the
broker's SUBACK comes back through ``on_subscribe``), the packet handler whose QoS 1 hook
ingest replaces (``deliver_qos1`` is the broker's PUBLISH arriving), and the socket the
batched PUBACKs are written to. End to end, with Mosquitto: tests/e2e/test_durability.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import gmqtt
import pytest

from adapters.base import RawMessage
from core.clock import FakeClock
from core.config import MqttConfig
from gateway.ingest import MqttIngest, NoAck, Session, sessions_for
from gateway.metrics import Metrics
from tests.support.until import until

PUBACK = 0x40, 0x02


class FakeConnection:
    """The socket: what ingest writes, one ``send_package`` call per write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def send_package(self, package: bytes) -> None:
        self.writes.append(bytes(package))


class FakeHandler:
    """gmqtt's packet handler, as far as ingest reaches into it: the QoS 1 hook (which ingest
    replaces with its own), the PUBACK of one packet, and the current connection."""

    def __init__(self, *, hook: bool, connection: FakeConnection | None) -> None:
        self.current_connection = connection
        self.single_pubacks: list[int] = []
        if hook:
            self._handle_qos_1_publish_packet = self._not_replaced
            self._send_puback = self.single_pubacks.append

    def _not_replaced(self, *_: Any) -> None:
        raise AssertionError("ingest did not take over QoS 1 publishes")

    def deliver_qos1(self, mid: int, topic: str | bytes, payload: bytes) -> None:
        self._handle_qos_1_publish_packet(mid, payload, topic, None)


class Broker:
    """Makes the clients (ingest's ``client_factory``) and plays the broker's part: refuses
    connections as planned, answers subscriptions with ``granted``."""

    def __init__(self, *, hook: bool = True, socket: bool = True) -> None:
        self.hook = hook
        self.socket = socket
        self.clients: list[FakeClient] = []
        self.refusals: dict[str, list[Exception]] = {}
        self.granted = 1

    def __call__(self, client_id: str, **kwargs: Any) -> FakeClient:
        client = FakeClient(self, client_id, **kwargs)
        self.clients.append(client)
        return client

    def of(self, client_id: str) -> list[FakeClient]:
        return [c for c in self.clients if c.client_id == client_id]

    def latest(self, client_id: str) -> FakeClient:
        return self.of(client_id)[-1]


class FakeClient:
    def __init__(self, broker: Broker, client_id: str, **kwargs: Any) -> None:
        self.broker = broker
        self.client_id = client_id
        self.options = kwargs
        self.connection = FakeConnection() if broker.socket else None
        self._package_handler = FakeHandler(hook=broker.hook, connection=self.connection)
        self.on_message: Callable[..., Any] | None = None
        self.on_disconnect: Callable[..., Any] | None = None
        self.on_subscribe: Callable[..., Any] | None = None
        self.credentials: tuple[str, str | None] | None = None
        self.connected_with: dict[str, Any] | None = None
        self.subscriptions: list[tuple[str, int]] = []
        self.unsubscribed: list[str] = []
        self.disconnected = False

    @property
    def handler(self) -> FakeHandler:
        return self._package_handler

    def set_auth_credentials(self, username: str, password: str | None) -> None:
        self.credentials = (username, password)

    async def connect(self, host: str, port: int, **kwargs: Any) -> None:
        refusals = self.broker.refusals.get(self.client_id)
        if refusals:
            raise refusals.pop(0)
        self.connected_with = {"host": host, "port": port, **kwargs}

    def subscribe(self, subscriptions: list[gmqtt.Subscription]) -> None:
        self.subscriptions = [(s.topic, s.qos) for s in subscriptions]
        assert self.on_subscribe is not None
        granted = [self.broker.granted] * len(subscriptions)
        self.on_subscribe(self, 1, granted, None)

    def unsubscribe(self, topic: str) -> None:
        self.unsubscribed.append(topic)

    async def disconnect(self) -> None:
        self.disconnected = True

    def lose(self) -> None:
        """The broker went away."""
        assert self.on_disconnect is not None
        self.on_disconnect(self, None)

    def deliver(self, topic: str, payload: bytes, qos: int) -> Any:
        """A PUBLISH that gmqtt hands to ``on_message``."""
        assert self.on_message is not None
        return self.on_message(self, topic, payload, qos, None)


class Intake:
    """The submit ingest hands messages to: each QoS 1 message joins the open chunk, whose
    future the test resolves (the chunk made durable) or fails."""

    def __init__(self) -> None:
        self.taken: list[tuple[RawMessage, dict[str, Any]]] = []
        self.chunk: asyncio.Future[None] | None = None

    def submit(self, message: RawMessage, **kwargs: Any) -> asyncio.Future[None] | None:
        self.taken.append((message, kwargs))
        if not kwargs.get("want_ack"):
            return None
        if self.chunk is None:
            self.chunk = asyncio.get_running_loop().create_future()
        return self.chunk

    def close_chunk(self) -> asyncio.Future[None]:
        chunk, self.chunk = self.chunk, None
        assert chunk is not None
        return chunk


def config(**changes: Any) -> MqttConfig:
    values: dict[str, Any] = {"url": "mqtt://broker.test:1883", "client_id": "gw"} | changes
    return MqttConfig(**values)


ONE = [Session(client_id="gw", filters=("siteguard/v1/#",))]


@contextlib.asynccontextmanager
async def running(ingest: MqttIngest) -> AsyncIterator[None]:
    task = asyncio.create_task(ingest.run())
    try:
        yield
    finally:
        await ingest.close()
        await asyncio.wait_for(task, 5)


def pubacks(*mids: int) -> bytes:
    return b"".join(struct.pack(">BBH", *PUBACK, mid) for mid in mids)


def gauge(metrics: Metrics, name: str) -> float | None:
    return metrics.registry.get_sample_value(name)


# ---- sessions ----------------------------------------------------------------------------


def test_two_sessions_events_first_with_filters_that_do_not_overlap() -> None:
    events, main = sessions_for(config(topic_prefix="sg/v1", client_id="site-7"))
    assert (events.client_id, events.filters, events.unsubscribe) == (
        "site-7-events",
        ("sg/v1/+/+/+/event",),
        (),
    )
    assert main.client_id == "site-7"
    assert main.filters == ("sg/v1/+/+/+/telemetry", "sg/v1/+/+/+/heartbeat", "sg/v1/vendor/#")
    assert main.unsubscribe == ("sg/v1/#",)  # what an earlier release subscribed to


def test_both_sessions_connect_persistently_and_subscribe_at_qos_1() -> None:
    broker, metrics = Broker(), Metrics()
    settings = config(username="gateway", password="pw", keepalive_s=20, receive_maximum=500)
    ingest = MqttIngest(config=settings, submit=Intake().submit, clock=FakeClock(),
                        metrics=metrics, client_factory=broker)  # fmt: skip

    async def scenario() -> None:
        async with running(ingest):
            await until(lambda: ingest.subscribed)
            assert gauge(metrics, "siteguard_mqtt_connected") == 1
        assert not ingest.subscribed and gauge(metrics, "siteguard_mqtt_connected") == 0

    asyncio.run(scenario())
    events, main = broker.latest("gw-events"), broker.latest("gw")
    for client in (events, main):
        assert client.options["clean_session"] is False  # the broker keeps our queue
        assert client.options["optimistic_acknowledgement"] is False
        assert client.options["receive_maximum"] == 500
        assert client.options["session_expiry_interval"] == settings.session_expiry_s
        assert client.credentials == ("gateway", "pw")
        assert client.connected_with is not None
        assert (client.connected_with["host"], client.connected_with["port"]) == (
            "broker.test",
            1883,
        )
        assert client.connected_with["keepalive"] == 20 and client.connected_with["ssl"] is False
        assert client.disconnected  # closed cleanly
    assert events.subscriptions == [("siteguard/v1/+/+/+/event", 1)] and events.unsubscribed == []
    assert main.subscriptions == [
        ("siteguard/v1/+/+/+/telemetry", 1),
        ("siteguard/v1/+/+/+/heartbeat", 1),
        ("siteguard/v1/vendor/#", 1),
    ]
    assert main.unsubscribed == ["siteguard/v1/#"]


def test_subscribed_only_when_every_session_is(caplog: pytest.LogCaptureFixture) -> None:
    broker, metrics = Broker(), Metrics()
    broker.granted = 0x80  # the broker refuses the subscription (an ACL, say)
    ingest = MqttIngest(config=config(protocol="3.1.1"), submit=Intake().submit,
                        clock=FakeClock(), metrics=metrics, client_factory=broker)  # fmt: skip

    async def scenario() -> None:
        async with running(ingest):
            await until(lambda: len(broker.clients) == 2 and broker.clients[-1].subscriptions)
            assert not ingest.subscribed
            assert gauge(metrics, "siteguard_mqtt_connected") == 0

    asyncio.run(scenario())
    assert "the broker refused the subscription" in caplog.text
    assert "session_expiry_interval" not in broker.latest("gw").options  # MQTT 3.1.1


# ---- acknowledgement ---------------------------------------------------------------------


def test_qos1_messages_are_acknowledged_together_once_their_chunk_is_durable() -> None:
    broker, intake, clock = Broker(), Intake(), FakeClock()
    ingest = MqttIngest(config=config(), submit=intake.submit, clock=clock, metrics=Metrics(),
                        sessions=ONE, client_factory=broker)  # fmt: skip
    written: list[list[bytes]] = []

    async def scenario() -> None:
        async with running(ingest):
            await until(lambda: ingest.subscribed)
            client = broker.latest("gw")
            assert client.connection is not None
            client.handler.deliver_qos1(5, b"siteguard/v1/B1/smoke/s1/event", b'{"type":"alarm"}')
            client.handler.deliver_qos1(6, "siteguard/v1/B1/smoke/s2/event", b"{}")
            first = intake.close_chunk()
            client.handler.deliver_qos1(7, "siteguard/v1/B1/gas/g1/telemetry", b"{}")
            second = intake.close_chunk()
            await asyncio.sleep(0)
            written.append(list(client.connection.writes))  # nothing durable: nothing acked
            first.set_result(None)
            await until(lambda: len(client.connection.writes) == 1)
            written.append(list(client.connection.writes))
            second.set_result(None)
            await until(lambda: len(client.connection.writes) == 2)
            written.append(list(client.connection.writes))

    asyncio.run(scenario())
    assert written == [[], [pubacks(5, 6)], [pubacks(5, 6), pubacks(7)]]  # one write per chunk
    message, kwargs = intake.taken[0]
    assert message == RawMessage(
        topic="siteguard/v1/B1/smoke/s1/event",  # bytes from the wire, as text
        payload=b'{"type":"alarm"}',
        qos=1,
        received_ms=clock.now_ms(),
        source="mqtt",
    )
    assert kwargs == {"want_ack": True}


@pytest.mark.parametrize("outcome", ["failed", "cancelled"])
def test_a_chunk_that_is_not_durable_is_never_acknowledged(outcome: str) -> None:
    broker, intake = Broker(), Intake()
    ingest = MqttIngest(config=config(), submit=intake.submit, clock=FakeClock(),
                        metrics=Metrics(), sessions=ONE, client_factory=broker)  # fmt: skip

    async def scenario() -> FakeClient:
        async with running(ingest):
            await until(lambda: ingest.subscribed)
            client = broker.latest("gw")
            client.handler.deliver_qos1(1, "t/a", b"{}")
            chunk = intake.close_chunk()
            if outcome == "failed":
                chunk.set_exception(OSError("database spool full"))
            else:
                chunk.cancel()
            await asyncio.sleep(0.01)
            client.handler.deliver_qos1(2, "t/b", b"{}")
            intake.close_chunk().set_result(None)  # the next one is
            assert client.connection is not None
            await until(lambda: len(client.connection.writes) == 1)
            return client

    client = asyncio.run(scenario())
    assert client.connection is not None and client.connection.writes == [pubacks(2)]
    assert client.handler.single_pubacks == []  # the broker redelivers 1


def test_a_chunk_durable_after_its_connection_was_lost_is_not_acknowledged_on_it() -> None:
    broker, intake = Broker(), Intake()
    ingest = MqttIngest(config=config(reconnect_min_s=0.001, reconnect_max_s=0.002),
                        submit=intake.submit, clock=FakeClock(), metrics=Metrics(),
                        sessions=ONE, client_factory=broker)  # fmt: skip

    async def scenario() -> tuple[FakeClient, FakeClient]:
        async with running(ingest):
            await until(lambda: ingest.subscribed)
            old = broker.latest("gw")
            old.handler.deliver_qos1(9, "t/a", b"{}")
            chunk = intake.close_chunk()
            old.lose()
            await until(lambda: len(broker.clients) == 2 and ingest.subscribed)  # reconnected
            chunk.set_result(None)  # packet ids belong to the connection that is gone
            new = broker.latest("gw")
            new.handler.deliver_qos1(9, "t/a", b"{}")  # the broker's redelivery
            intake.close_chunk().set_result(None)
            assert new.connection is not None
            await until(lambda: len(new.connection.writes) == 1)
            return old, new

    old, new = asyncio.run(scenario())
    assert old.connection is not None and old.connection.writes == []
    assert old.disconnected
    assert new.connection is not None and new.connection.writes == [pubacks(9)]


def test_without_the_lease_nothing_is_acknowledged_and_no_connection_is_made() -> None:
    """ha.enabled: a chunk made durable after the lease ran out (a pause, say) is not
    acknowledged, and a lost connection is not made again: the successor owns the session."""
    broker, intake, metrics = Broker(), Intake(), Metrics()
    lease = [True]
    ingest = MqttIngest(config=config(reconnect_min_s=0.001, reconnect_max_s=0.002),
                        submit=intake.submit, clock=FakeClock(), metrics=metrics,
                        sessions=ONE, client_factory=broker,
                        may_act=lambda: lease[0])  # fmt: skip

    async def scenario() -> FakeClient:
        async with running(ingest):
            await until(lambda: ingest.subscribed)
            client = broker.latest("gw")
            client.handler.deliver_qos1(3, "t/a", b"{}")
            chunk = intake.close_chunk()
            lease[0] = False
            chunk.set_result(None)
            fenced = 'siteguard_ha_fenced_total{action="ack"}'
            await until(lambda: metrics.render().decode().count(f"{fenced} 1.0") == 1)
            client.lose()
            await until(lambda: 'action="connect"} 1.0' in metrics.render().decode())
            return client

    client = asyncio.run(scenario())
    assert client.connection is not None and client.connection.writes == []
    assert len(broker.clients) == 1  # never connected again


def test_without_the_socket_writer_each_packet_is_acknowledged_by_gmqtt() -> None:
    broker, intake = Broker(socket=False), Intake()
    ingest = MqttIngest(config=config(), submit=intake.submit, clock=FakeClock(),
                        metrics=Metrics(), sessions=ONE, client_factory=broker)  # fmt: skip

    async def scenario() -> FakeClient:
        async with running(ingest):
            await until(lambda: ingest.subscribed)
            client = broker.latest("gw")
            for mid in (3, 4):
                client.handler.deliver_qos1(mid, "t/a", b"{}")
            intake.close_chunk().set_result(None)
            await until(lambda: len(client.handler.single_pubacks) == 2)
            return client

    assert asyncio.run(scenario()).handler.single_pubacks == [3, 4]


def test_qos0_is_submitted_without_an_ack_and_nothing_after_stop_accepting() -> None:
    broker, intake = Broker(), Intake()
    ingest = MqttIngest(config=config(), submit=intake.submit, clock=FakeClock(),
                        metrics=Metrics(), sessions=ONE, client_factory=broker)  # fmt: skip

    async def scenario() -> FakeClient:
        async with running(ingest):
            await until(lambda: ingest.subscribed)
            client = broker.latest("gw")
            assert client.deliver("t/q0", b"{}", 0) == 0
            ingest.stop_accepting()  # shutting down: the next run takes what comes now
            client.deliver("t/late0", b"{}", 0)
            client.handler.deliver_qos1(8, "t/late1", b"{}")
            await asyncio.sleep(0.01)
            return client

    client = asyncio.run(scenario())
    assert [(m.topic, k) for m, k in intake.taken] == [("t/q0", {"want_ack": False})]
    assert client.connection is not None and client.connection.writes == []


def test_gmqtts_own_manual_ack_mode_when_the_hook_is_missing() -> None:
    """A gmqtt release without the private hook: ``async on_message``, acknowledged by gmqtt
    when it returns, and NoAck (no PUBACK) whenever the message is not durable."""
    broker, intake = Broker(hook=False), Intake()
    ingest = MqttIngest(config=config(reconnect_min_s=0.001, reconnect_max_s=0.002),
                        submit=intake.submit, clock=FakeClock(), metrics=Metrics(),
                        sessions=ONE, client_factory=broker)  # fmt: skip

    async def scenario() -> None:
        async with running(ingest):
            await until(lambda: ingest.subscribed)
            client = broker.latest("gw")
            acked = asyncio.ensure_future(client.deliver("t/a", b"{}", 1))
            await asyncio.sleep(0.01)
            assert not acked.done()  # gmqtt would send the PUBACK when this returns
            intake.close_chunk().set_result(None)
            assert await asyncio.wait_for(acked, 1) == 0
            assert await client.deliver("t/q0", b"{}", 0) == 0  # nothing to wait for

            gone = asyncio.ensure_future(client.deliver("t/b", b"{}", 1))
            await asyncio.sleep(0)
            chunk = intake.close_chunk()
            client.lose()
            await until(lambda: len(broker.clients) == 2)
            chunk.set_result(None)
            with pytest.raises(NoAck):  # durable, but its connection is gone
                await asyncio.wait_for(gone, 1)

            ingest.stop_accepting()
            with pytest.raises(NoAck):
                await broker.latest("gw").deliver("t/c", b"{}", 1)

    asyncio.run(scenario())
    assert [m.topic for m, _ in intake.taken] == ["t/a", "t/q0", "t/b"]
    assert broker.latest("gw").handler.single_pubacks == []  # never ours to send here


# ---- reconnecting ------------------------------------------------------------------------


def retry_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The delay each "cannot connect" line announces (before jitter)."""
    return [r.args[-1] for r in caplog.records if "cannot connect" in r.msg]  # type: ignore[index,misc]


def test_failed_attempts_back_off_doubling_up_to_the_cap(caplog: pytest.LogCaptureFixture) -> None:
    broker, metrics = Broker(), Metrics()
    broker.refusals["gw"] = [OSError("connection refused") for _ in range(5)]
    ingest = MqttIngest(config=config(reconnect_min_s=0.005, reconnect_max_s=0.02),
                        submit=Intake().submit, clock=FakeClock(), metrics=metrics,
                        sessions=ONE, client_factory=broker)  # fmt: skip

    async def scenario() -> None:
        async with running(ingest):
            await until(lambda: ingest.subscribed)

    with caplog.at_level(logging.WARNING, logger="gateway.ingest"):
        asyncio.run(scenario())
    assert retry_delays(caplog) == [0.005, 0.01, 0.02, 0.02, 0.02]
    assert len(broker.clients) == 6  # a fresh client for every attempt
    assert gauge(metrics, "siteguard_mqtt_reconnects_total") == 5
    assert "connection refused" in caplog.text


class MovableClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock a test moves forward: a connection "lasts" ten seconds."""

    ahead = 0.0

    def time(self) -> float:
        return super().time() + self.ahead


@pytest.mark.parametrize(("lasted_s", "then"), [(10.0, 0.02), (9.0, 0.08)])
def test_a_connection_that_lasted_resets_the_backoff(
    caplog: pytest.LogCaptureFixture, lasted_s: float, then: float
) -> None:
    broker = Broker()
    broker.refusals["gw"] = [OSError("refused") for _ in range(3)]
    ingest = MqttIngest(config=config(reconnect_min_s=0.01, reconnect_max_s=0.08),
                        submit=Intake().submit, clock=FakeClock(), metrics=Metrics(),
                        sessions=ONE, client_factory=broker)  # fmt: skip

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, MovableClockLoop)
        async with running(ingest):
            await until(lambda: ingest.subscribed)  # after 0.01, 0.02, 0.04
            broker.refusals["gw"] = [OSError("refused again")]
            loop.ahead += lasted_s
            broker.latest("gw").lose()
            await until(lambda: len(retry_delays(caplog)) == 4)
            await until(lambda: ingest.subscribed)

    with (
        caplog.at_level(logging.WARNING, logger="gateway.ingest"),
        asyncio.Runner(loop_factory=MovableClockLoop) as runner,
    ):
        runner.run(scenario())
    # Stable for 10 s: the wait after the loss starts over (0.01), and the failure after it
    # announces the second step; otherwise the steps go on growing, to the cap.
    assert retry_delays(caplog) == [0.01, 0.02, 0.04, then]
    assert "lost the broker connection" in caplog.text
