"""Which channels a notification goes to (``notify.routes``), and where to when one fails."""

from __future__ import annotations

from alerting.model import SEVERITY_RANK
from core.config import Route
from gateway.notification import Notification


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self._routes = routes

    def _matches(self, route: Route, n: Notification) -> bool:
        if n.subject not in route.subjects:
            return False
        if route.kinds is not None and n.kind not in route.kinds:
            return False
        if SEVERITY_RANK[n.severity] < SEVERITY_RANK[route.min_severity]:
            return False
        return route.buildings is None or n.building_id in route.buildings

    def channels(self, n: Notification) -> list[str]:
        out: list[str] = []
        for route in self._routes:
            if self._matches(route, n):
                out += [c for c in route.channels if c not in out]
        return out

    def failover(self, n: Notification, channel: str) -> str | None:
        for route in self._routes:
            if route.failover and channel in route.channels and self._matches(route, n):
                return route.failover
        return None
