"""The outside shapes: one typed definition of each object SiteGuard shows to the world
(contract section 4), used by every surface that shows it: the REST API (its response
models and OpenAPI document), the event stream, the hub, the hazard-system export and the
webhook channel.

One small module per shape; each builds from the domain value or the row it shows:

- ``alarm``: ``AlarmObject.of(Alarm)``
- ``ticket``: ``TicketObject.of(Ticket, history)``, its ``HistoryEntry`` lines, and
  ``TicketView`` (the ticket with the moves the caller's role may make)
- ``device``: ``DeviceObject``, ``DeviceDetail`` (with ``Reading`` and ``Unread``)
- ``building``: ``BuildingObject``
- ``event``: ``HubEvent``, a committed change as the hub announces it and the stream sends it
- ``inspection``: ``InspectionObject`` with its ``InspectionItem`` answers
- ``export``: ``ExportRecord``, a ticket change as the hazard system receives it

They sit below the store (which builds events from its history) and the API; they import
only the domain (``alerting``) and ``core``.
"""

from gateway.shapes.alarm import AlarmObject
from gateway.shapes.base import Shape
from gateway.shapes.building import BuildingObject
from gateway.shapes.device import DeviceDetail, DeviceObject, Reading, Unread
from gateway.shapes.event import HubEvent
from gateway.shapes.export import ExportRecord
from gateway.shapes.inspection import InspectionItem, InspectionObject
from gateway.shapes.ticket import HistoryEntry, TicketObject, TicketView

__all__ = [
    "AlarmObject",
    "BuildingObject",
    "DeviceDetail",
    "DeviceObject",
    "ExportRecord",
    "HistoryEntry",
    "HubEvent",
    "InspectionItem",
    "InspectionObject",
    "Reading",
    "Shape",
    "TicketObject",
    "TicketView",
    "Unread",
]
