"""Active/standby (``ha.enabled``): wait for the lease, serve while it holds, stand down.

Every instance starts as a standby: its API port answers 503 ``{"role": "standby"}``
(``api/standby.py``) and it polls the lease every ``ha.poll_s``. The one that takes the lease
runs the whole service (``siteguard/app.py``): it restores state from the database, connects
to the broker under the shared ``mqtt.client_id`` (the persistent session, and the messages
queued in it, move with leadership), and renews the lease every ``ha.renew_s``. When a
renewal is refused, or the local deadline passes without one, the service stands down
fenced and the instance is a standby again. A clean stop (SIGTERM) releases the lease, so a
standby takes over at its next poll instead of after the lease runs out.

Takeover time after the active instance dies: at most the lease (``ha.takeover_s`` / 2) for
it to run out, one poll, and the restore and broker connection of the new active.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from api.standby import create_standby_app
from core.clock import Clock, SystemClock
from core.config import Settings
from gateway.metrics import Metrics
from gateway.store.db import UNAVAILABLE, create_engine
from gateway.store.lease import Holder, Lease, lease_engine
from gateway.store.migrate import wait_for_database
from siteguard.app import Service
from siteguard.assembly import Server, api_server

log = logging.getLogger(__name__)
T = TypeVar("T")
_CALL_S = 5.0  # one lease call: connect (2 s) and a statement (2 s), with room


def instance_name(settings: Settings) -> str:
    return settings.ha.instance or f"{socket.gethostname()}:{os.getpid()}"


class HaRunner:
    """One instance of an active/standby group."""

    def __init__(self, *, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.metrics = Metrics()
        self.instance = instance_name(settings)
        self.api_port: int | None = None
        self.service: Service | None = None
        self._engine = lease_engine(settings.database.url, instance=self.instance)
        self.lease = Lease(engine=self._engine, instance=self.instance, lease_s=settings.ha.lease_s)
        self._active: str | None = None  # the holder last seen while standing by

    async def run(self, stop: asyncio.Event) -> int:
        """Stand by, lead, stand by again, until ``stop``. Returns the exit status: 1 once
        the service failed while leading (not a lost lease), so a supervisor restarts us."""
        ha = self.settings.ha
        log.info(
            "HA: instance %s starts as standby (lease %.1fs, takeover within %.1fs)",
            self.instance,
            ha.lease_s,
            ha.takeover_s,
        )
        self.metrics.ha_active.set(0)
        try:
            # The lease's table must exist before the first poll; the migration itself runs
            # under a lock, so instances starting together take turns.
            engine = create_engine(self.settings.database.url)
            try:
                await wait_for_database(
                    engine, stop, retry_max_s=self.settings.database.retry_max_s
                )
            finally:
                engine.dispose()
            while not stop.is_set():
                standby = await self._serve_standby()
                try:
                    previous = await self._acquire(stop)
                finally:
                    await _stop_server(standby)
                if previous is None:
                    break
                if await self._lead(previous, stop):
                    return 1
        finally:
            self._engine.dispose()
        return 0

    # ---- standby -----------------------------------------------------------------------

    async def _serve_standby(self) -> tuple[Server, asyncio.Task[None]]:
        app = create_standby_app(
            instance=self.instance,
            active=lambda: self._active,
            render_metrics=self.metrics.render,
        )
        server = api_server(app, self.settings)
        listener = await _bind(self.settings.api.host, self.settings.api.port)
        self.api_port = listener.getsockname()[1]
        task = asyncio.create_task(server.serve(sockets=[listener]), name="standby-api")
        return server, task

    async def _acquire(self, stop: asyncio.Event) -> Holder | None:
        """Poll until the lease is ours (the previous holder) or ``stop`` (None)."""
        poll_s = self.settings.ha.poll_s
        warned = False
        while not stop.is_set():
            try:
                taken = await _blocking(self.lease.try_acquire, within_s=_CALL_S)
                if taken is not None:
                    return taken
                holder = await _blocking(self.lease.holder, within_s=_CALL_S)
                self._active = holder.instance if holder is not None else None
                warned = False
            except (TimeoutError, *UNAVAILABLE) as exc:
                if not warned:
                    log.warning("HA: cannot poll the lease: %s", getattr(exc, "orig", exc))
                warned = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_s)
        return None

    # ---- active ------------------------------------------------------------------------

    async def _lead(self, previous: Holder, stop: asyncio.Event) -> int:
        """Serve while the lease holds; the service's exit status."""
        lease = self.lease
        self._active = self.instance
        self.metrics.ha_active.set(1)
        self.metrics.ha_epoch.set(lease.epoch)
        self.metrics.ha_changes.labels("acquired").inc()
        log.warning(
            "HA: instance %s is now ACTIVE (epoch %d; previous holder %s, %d of its database"
            " sessions ended)",
            self.instance,
            lease.epoch,
            previous.instance or "none",
            previous.sessions_ended,
        )
        lost = asyncio.Event()
        service_stop = asyncio.Event()
        service = self.service = Service(
            settings=self.settings, clock=self.clock, metrics=self.metrics, fence=lease
        )
        keeper = asyncio.create_task(self._keep(lost), name="lease")
        relay = asyncio.create_task(_first_of(stop, lost, then=service_stop), name="lease-relay")
        try:
            status = await service.run(service_stop)
        finally:
            relay.cancel()
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            self.service = None
            self.metrics.ha_active.set(0)
        if lease.holds() and stop.is_set():
            with contextlib.suppress(TimeoutError, *UNAVAILABLE):
                await _blocking(lease.release, within_s=_CALL_S)
            log.info("HA: instance %s released the lease", self.instance)
            return status
        if lease.holds():  # the service failed while the lease still held: give it up now
            with contextlib.suppress(TimeoutError, *UNAVAILABLE):
                await _blocking(lease.release, within_s=_CALL_S)
            return status
        lease.drop()
        self.metrics.ha_changes.labels("lost").inc()
        if not stop.is_set():
            log.error("HA: instance %s lost the lease; standing by", self.instance)
        return 0

    async def _keep(self, lost: asyncio.Event) -> None:
        """Renew until a renewal is refused or the deadline passes without one."""
        lease, renew_s = self.lease, self.settings.ha.renew_s
        while True:
            await asyncio.sleep(min(renew_s, lease.remaining_s()))
            if not lease.holds():
                log.error("HA: the lease ran out before a renewal got through")
                break
            started = time.monotonic()
            try:
                renewed = await _blocking(lease.renew, within_s=max(0.1, lease.remaining_s()))
            except (TimeoutError, *UNAVAILABLE) as exc:
                log.warning(
                    "HA: lease renewal failed (%s); %.1fs left",
                    getattr(exc, "orig", None) or type(exc).__name__,
                    lease.remaining_s(),
                )
                continue
            self.metrics.ha_renew.observe(time.monotonic() - started)
            if not renewed:
                log.error("HA: the lease was taken over (epoch %d is no longer ours)", lease.epoch)
                break
        lease.drop()
        lost.set()


def exit_past_stuck_threads(code: int) -> int:
    """After the runner returned: a store thread of a fenced stand-down may still wait on a
    database this machine can no longer reach, and the interpreter would join it at exit
    for as long as that lasts. Everything durable is done by now; leave without it."""
    stuck = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if not stuck:
        return code
    log.warning("exiting past %d thread(s) still waiting on the database", len(stuck))
    logging.shutdown()
    os._exit(code)


async def _blocking(fn: Callable[[], T], *, within_s: float) -> T:
    """Run a lease call on a daemon thread of its own. Against a database gone silent (a
    middlebox that acknowledges and drops) a call may never return; neither the event loop
    nor the process's exit may wait for it."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def run() -> None:
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            error = exc
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
                loop.call_soon_threadsafe(settle, lambda: future.set_exception(error))
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, lambda: future.set_result(result))

    threading.Thread(target=run, name="lease", daemon=True).start()
    return await asyncio.wait_for(future, within_s)


async def _first_of(*events: asyncio.Event, then: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        then.set()
    finally:
        for w in waits:
            w.cancel()


async def _bind(host: str, port: int) -> socket.socket:
    """Bind the API port; the service that just left it may take a moment to let it go."""
    for _ in range(50):
        try:
            return socket.create_server((host, port))
        except OSError:
            if port == 0:
                raise
            await asyncio.sleep(0.1)
    return socket.create_server((host, port))


async def _stop_server(running: tuple[Server, asyncio.Task[None]]) -> None:
    server, task = running
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await task
