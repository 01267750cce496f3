"""Which channels a notification goes to (``notify.routes``), which of them also reach the
building's responsible person (``notify_responsible``), and where to when one fails."""

from __future__ import annotations

from alerting.model import SEVERITY_RANK
from core.config import Route
from gateway.notification import Notification


def _for_responsible_only(n: Notification) -> bool:
    """A ticket an alarm opened: the alarm's own notice (which names the ticket) told the
    duty room, so its "opened" notice is for the responsible person alone."""
    return n.ticket is not None and n.reason == "opened" and n.ticket.source == "alarm"


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self._routes = routes

    @property
    def tells_responsible(self) -> bool:
        """Whether any route reaches responsible persons (the dispatcher then looks them up)."""
        return any(route.notify_responsible for route in self._routes)

    def _matches(self, route: Route, n: Notification) -> bool:
        if n.subject not in route.subjects:
            return False
        if route.reasons is not None and n.reason not in route.reasons:
            return False
        if _for_responsible_only(n) and not route.notify_responsible:
            return False
        if route.kinds is not None and n.kind not in route.kinds:
            return False
        if SEVERITY_RANK[n.severity] < SEVERITY_RANK[route.min_severity]:
            return False
        return route.buildings is None or n.building_id in route.buildings

    def channels(self, n: Notification) -> list[str]:
        """The channels ``n`` goes to whoever it is about: for a ticket an alarm opened,
        none (``responsible_channels`` has the channels that tell its responsible person)."""
        out: list[str] = []
        if _for_responsible_only(n):
            return out
        for route in self._routes:
            if self._matches(route, n):
                out += [c for c in route.channels if c not in out]
        return out

    def responsible_channels(self, n: Notification) -> list[str]:
        """The channels through which ``n`` also reaches its building's responsible person
        (tickets only: routes with ``notify_responsible``)."""
        out: list[str] = []
        if n.ticket is None or n.digest:
            return out
        for route in self._routes:
            if route.notify_responsible and self._matches(route, n):
                out += [c for c in route.channels if c not in out]
        return out

    def failover(self, n: Notification, channel: str) -> str | None:
        for route in self._routes:
            if route.failover and channel in route.channels and self._matches(route, n):
                return route.failover
        return None
