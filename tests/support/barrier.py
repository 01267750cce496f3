"""Concluding that something did NOT happen, without sleeping.

A fixed sleep before ``assert not ...`` passes whenever the gateway is slower than the sleep:
the thing that must not happen may simply not have happened *yet*. Instead, send a marker
through the same path after the thing under test, wait until the marker's effect is visible,
and only then look for absence:

- ``barrier(gateway, publisher)``: through MQTT. Mosquitto delivers one publisher's messages
  to a session in order, each of the gateway's two sessions feeds its own lane in order, and
  turns commit in order. So the barrier publishes a heartbeat from a device never seen before
  on each lane (the ``event`` channel: the events session and the urgent lane; the
  ``heartbeat`` channel: the main session and the bulk lane) and waits until the API knows
  both devices: their rows are written with the turn that registered them, so once both
  exist, everything the publisher sent before is committed, and announced (a turn announces
  before the next one commits). The markers live in a building of their own, so nothing a
  test counts in its own building moves. Needs ``devices.auto_register`` (on by default).
- ``ticket_marker(gateway, building)``: through the API's command path. A ticket opened by
  hand is a ticket change like any other: it is announced on the stream after every change
  committed before it, and exported to the hazard system after every change queued before it
  (the exporter sends the outbox oldest first, one at a time, and sends nothing later while
  an earlier change is unsent). Tests wait for the marker where they look (a stream reader,
  the hazard system's recorder) and leave it out of what they compare.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.gateway import Gateway
from tests.support.mqtt import Publisher, topic
from tests.support.servers import wait_for

BARRIER_BUILDING = "barrier"
LANES = ("event", "heartbeat")


def barrier(gateway: Gateway, publisher: Publisher | str, *, timeout: float = 15) -> str:
    """Returns once everything ``publisher`` sent before the call is committed and announced.

    ``publisher`` is the test's own connection (best: the same client that sent the messages
    under test), or the broker's URL: then a new connection publishes the markers, which is as
    good for messages whose publish was acknowledged before this call (the broker queued them
    for the gateway's sessions first). Returns the marker's id."""
    marker = f"m-{uuid.uuid4().hex[:12]}"
    devices = [f"{marker}-{lane}" for lane in LANES]
    if isinstance(publisher, str):
        with Publisher(publisher) as own:
            _publish(own, marker, devices)
    else:
        _publish(publisher, marker, devices)

    def known(device: str) -> bool:
        answer = gateway.call("GET", f"/api/v1/devices/{device}")
        if answer.status_code not in (200, 404):
            answer.raise_for_status()
        return answer.status_code == 200

    try:
        wait_for(lambda: all(known(d) for d in devices), timeout=timeout, what=f"barrier {marker}")
    except TimeoutError:
        raise TimeoutError(
            f"barrier {marker}: the markers were not registered within {timeout} s; "
            "is devices.auto_register off?\n" + gateway.log()
        ) from None
    return marker


def _publish(publisher: Publisher, marker: str, devices: list[str]) -> None:
    for lane, device in zip(LANES, devices, strict=True):
        publisher.publish(
            topic(BARRIER_BUILDING, "smoke", device, lane),
            {"type": "heartbeat", "id": marker},
        )


def ticket_marker(gateway: Gateway, building: str) -> str:
    """Opens a ticket by hand in ``building`` (which must exist) and returns its id."""
    answer = gateway.call(
        "POST",
        "/api/v1/tickets",
        json={
            "title": "barrier",
            "category": "inspection",
            "building_id": building,
            "note": "a marker: what the test waits for, not what it checks",
        },
    )
    assert answer.status_code == 201, answer.text
    marker: str = answer.json()["id"]
    return marker


def is_marker(data: dict[str, Any], marker: str) -> bool:
    """Whether a stream event's or an export's ticket is the marker ticket."""
    ticket = data.get("ticket", data)
    return isinstance(ticket, dict) and ticket.get("id") == marker
