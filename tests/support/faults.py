"""Fault injection: a publisher that keeps what it could not deliver, and the row each case ends
with (``Tally``), kept in ``test-artifacts/faults/results.jsonl``.

What "published" means. A QoS 1 publish counts as published once the publisher holds the
broker's PUBACK for it: from then on the broker owns the message, and the gateway's contract
("What accepted means", docs/architecture.md) is that nothing the broker owns is lost or
applied twice. A publish the broker never acknowledged (it went down first) is not
published: ``Feed`` republishes every id whose PUBACK is missing, through paho's own queue
and reconnect and then again by hand after the broker is back, until each id holds a PUBACK.
So at the end of a case every id the test meant to send is published at least once, some
twice (their first PUBACK was lost with the broker): the gateway must drop the copy by its
``(device, id)`` pair, and the row's ``doubled`` says whether it did.

The row. ``published``: distinct ids with a PUBACK. ``accepted``: of those, the ids found in
the database (``events.msg_id``) and, where the case checks the series, in the series server.
``alarms``: distinct ``"type": "alarm"`` events found. ``lost``: published ids not found.
``doubled``: ids found more than once (events rows, and series samples where checked).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import sqlalchemy as sa
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.mqtt import topic
from tests.support.servers import ROOT, Mosquitto, Postgres, port_open, wait_for

ARTIFACTS = ROOT / "test-artifacts" / "faults"
RESULTS = ARTIFACTS / "results.jsonl"
# One pytest process: the rows the session-finish hook puts in its table.
RUN = f"{os.getpid()}-{int(time.time())}"

Message = tuple[str, str, dict[str, Any]]  # (id, topic, payload)


# ---- the row ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Tally:
    case: str
    published: int
    accepted: int
    alarms: int
    lost: int
    doubled: int
    seconds: float
    note: str = ""


def count(
    case: str,
    *,
    published: Iterable[str],
    found: Iterable[str],
    alarms: int,
    seconds: float,
    note: str = "",
) -> Tally:
    """The row from what was published and every id found (an id once per row or sample)."""
    sent = set(published)
    seen = Counter(found)
    return Tally(
        case=case,
        published=len(sent),
        accepted=len(sent & seen.keys()),
        alarms=alarms,
        lost=len(sent - seen.keys()),
        doubled=sum(1 for n in seen.values() if n > 1),
        seconds=round(seconds, 1),
        note=note,
    )


def event_rows(database_url: str, building: str) -> list[tuple[str, str]]:
    """``(msg_id, type)`` of every events row of ``building``."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT msg_id, type FROM events WHERE building_id = :b"), {"b": building}
            )
            return [(row[0], row[1]) for row in rows]
    finally:
        engine.dispose()


def measure(
    case: str,
    *,
    published: Sequence[str],
    database_url: str,
    building: str,
    seconds: float,
    series_found: Sequence[str] = (),
    note: str = "",
) -> Tally:
    """The row from the published ids and the database (plus the series ids found, if the
    case checks the series: readings' ids, which never reach the events table)."""
    rows = event_rows(database_url, building)
    alarms = len({msg_id for msg_id, kind in rows if kind == "alarm"})
    return count(
        case,
        published=published,
        found=[msg_id for msg_id, _ in rows] + list(series_found),
        alarms=alarms,
        seconds=seconds,
        note=note,
    )


def alarm_triggers(database_url: str, building: str) -> int:
    """The triggers folded into ``building``'s smoke alarms (their ``count``s): one per alarm
    event applied, so an event applied twice shows here even if its row was not doubled."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            total = conn.execute(
                sa.text(
                    "SELECT coalesce(sum(count), 0) FROM alarms "
                    "WHERE building_id = :b AND kind = 'smoke'"
                ),
                {"b": building},
            ).scalar_one()
            return int(total)
    finally:
        engine.dispose()


def wait_rows(database_url: str, building: str, n: int, *, timeout: float) -> bool:
    """Until ``building`` has ``n`` events rows; False (not an error) if it never does, so
    the case still records its row before it asserts."""
    try:
        wait_for(
            lambda: len(event_rows(database_url, building)) >= n,
            timeout=timeout,
            what=f"{n} events rows",
            interval=0.2,
        )
    except TimeoutError:
        return False
    return True


def record(tally: Tally) -> Tally:
    """Append the row to ``results.jsonl`` (with this run's id) and return it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as handle:
        handle.write(json.dumps({"run": RUN, **asdict(tally)}) + "\n")
    return tally


def recorded(run: str = RUN) -> list[Tally]:
    """The rows ``run`` appended."""
    if not RESULTS.exists():
        return []
    rows = []
    for line in RESULTS.read_text().splitlines():
        data = json.loads(line)
        if data.pop("run", None) == run:
            rows.append(Tally(**data))
    return rows


def table(rows: Sequence[Tally]) -> str:
    """A markdown table of ``rows``."""
    lines = [
        "| case | published | accepted | alarms | lost | doubled | seconds | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.case} | {r.published} | {r.accepted} | {r.alarms} | {r.lost} | "
            f"{r.doubled} | {r.seconds:.1f} | {r.note} |"
        )
    return "\n".join(lines) + "\n"


# ---- what is sent ----------------------------------------------------------------------


def smoke_events(
    building: str, prefix: str, n: int, *, detectors: int = 20, alarm_every: int = 10
) -> list[Message]:
    """``n`` smoke events with ids ``{prefix}{i}``: every ``alarm_every``-th a real ``alarm``
    (fire, once two detectors of the building are in alarm), the others ``test``."""
    return [
        (
            f"{prefix}{i}",
            topic(building, "smoke", f"s{i % detectors}"),
            {"type": "alarm" if i % alarm_every == 0 else "test", "id": f"{prefix}{i}"},
        )
        for i in range(n)
    ]


# ---- the publisher ---------------------------------------------------------------------


class Feed:
    """A QoS 1 publisher that survives the broker: paho reconnects and resends what it had in
    flight, and ``settle`` republishes whatever still has no PUBACK. ``published`` is the ids
    holding one (the module docstring)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"faults-{uuid.uuid4().hex[:10]}",
            protocol=mqtt.MQTTv311,
        )
        self.client.max_inflight_messages_set(200)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self._lock = threading.Lock()
        self._sent: dict[str, tuple[Message, mqtt.MQTTMessageInfo, float]] = {}
        self.sends = 0
        self.connects = 0
        self.client.on_connect = self._on_connect
        self.client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self.client.loop_start()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def _on_connect(self, *_args: Any) -> None:
        self.connects += 1

    def publish(self, message: Message) -> None:
        msg_id, where, payload = message
        info = self.client.publish(where, json.dumps(payload), qos=1)
        with self._lock:
            self._sent[msg_id] = (message, info, time.monotonic())
            self.sends += 1

    def publish_paced(
        self, messages: Sequence[Message], *, per_second: float, chunk: int = 20
    ) -> None:
        """Publish ``messages`` at about ``per_second`` (blocking)."""
        pause = chunk / per_second
        for start in range(0, len(messages), chunk):
            if self._stop.is_set():
                return
            began = time.monotonic()
            for message in messages[start : start + chunk]:
                self.publish(message)
            time.sleep(max(0.0, pause - (time.monotonic() - began)))

    def start_paced(self, messages: Sequence[Message], *, per_second: float) -> None:
        """``publish_paced`` in a thread of its own; ``join`` waits for it."""
        self._thread = threading.Thread(
            target=self.publish_paced, args=(messages,), kwargs={"per_second": per_second}
        )
        self._thread.start()

    def stop(self) -> None:
        """Ends ``start_paced`` early (after its current chunk)."""
        self._stop.set()
        self.join()

    def sent_at(self, msg_id: str) -> float:
        """When ``msg_id`` was last published (``time.monotonic``)."""
        with self._lock:
            return self._sent[msg_id][2]

    def join(self, timeout: float = 120) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
            assert not self._thread.is_alive(), "the publisher did not finish"

    @property
    def published(self) -> list[str]:
        with self._lock:
            return [msg_id for msg_id, (_, info, _) in self._sent.items() if _acked(info)]

    def unacknowledged(self) -> list[Message]:
        with self._lock:
            return [m for m, info, _ in self._sent.values() if not _acked(info)]

    def settle(self, *, timeout: float = 60, patience: float = 2) -> list[str]:
        """Until every id holds a PUBACK: a publish still waiting ``patience`` seconds after
        the connection is up is sent again. Returns the published ids."""
        deadline = time.monotonic() + timeout
        while True:
            waiting = self.unacknowledged()
            if not waiting:
                return self.published
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(waiting)} publishes without a PUBACK after {timeout}s")
            if self.client.is_connected():
                now = time.monotonic()
                with self._lock:
                    stale = [
                        m
                        for m, info, at in self._sent.values()
                        if not _acked(info) and now - at > patience
                    ]
                for message in stale:
                    self.publish(message)
            time.sleep(0.1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _acked(info: mqtt.MQTTMessageInfo) -> bool:
    """Whether the broker acknowledged it; a publish paho refused (not connected) is not."""
    try:
        return info.is_published()
    except (RuntimeError, ValueError):
        return False


# ---- servers ---------------------------------------------------------------------------


def restartable_mosquitto() -> Mosquitto:
    """A Mosquitto of its own, restarted by the case; its persistence survives the restart
    (``Mosquitto`` keeps it where the broker's own user may write). Remove it with
    ``remove_mosquitto``."""
    return Mosquitto(Path(tempfile.mkdtemp(prefix="sg-faults-mosquitto-", dir="/tmp")))


def remove_mosquitto(broker: Mosquitto) -> None:
    broker.cleanup()
    shutil.rmtree(broker.workdir, ignore_errors=True)


def stop_postgres_fast(postgres: Postgres) -> None:
    """PostgreSQL's fast shutdown (SIGINT): clients are disconnected at once. The default stop
    (SIGTERM, smart shutdown) waits for the gateway's pooled connections to close."""
    proc = postgres.proc
    assert proc is not None
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    postgres.proc = None
    wait_for(lambda: not port_open(postgres.port), timeout=10, what="postgres to close")


@contextlib.contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[bool]:
    """A tmpfs of ``size`` mounted on ``path`` (root only); yields whether it is mounted."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
            check=False,
            capture_output=True,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)
