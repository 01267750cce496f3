"""A committed change as the hub announces it and the stream sends it: ``event: alarm`` or
``event: ticket``, an ``id:`` (the change's history id, time-ordered) and ``data:`` (the
changed alarm or ticket, one line of JSON)."""

from __future__ import annotations

import functools
import json
from typing import Literal

from alerting.tickets import Role
from gateway.shapes.alarm import AlarmObject
from gateway.shapes.base import Shape
from gateway.shapes.ticket import TicketObject


class HubEvent(Shape):
    topic: Literal["alarm", "ticket"]
    id: str  # time-ordered: the history row's id
    building_id: str  # whose scope it is in
    data: AlarmObject | TicketObject

    @classmethod
    def alarm(cls, change_id: str, alarm: AlarmObject) -> HubEvent:
        return cls(topic="alarm", id=change_id, building_id=alarm.building_id, data=alarm)

    @classmethod
    def ticket(cls, entry_id: str, ticket: TicketObject) -> HubEvent:
        return cls(topic="ticket", id=entry_id, building_id=ticket.building_id, data=ticket)

    @functools.cached_property
    def data_json(self) -> str:
        """``data`` as one line of JSON, made once however many listeners send it."""
        return self.data.wire_json()

    def data_for(self, role: Role) -> str:
        """The ``data:`` line for a caller: a ticket comes with the moves its role may make,
        the same object the API answers with (``TicketView``)."""
        if not isinstance(self.data, TicketObject):
            return self.data_json
        moves = json.dumps(self.data.moves_for(role), separators=(",", ":"))
        return f'{self.data_json[:-1]},"allowed_moves":{moves}}}'
