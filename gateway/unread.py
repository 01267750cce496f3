"""Fields a product sends that no product model reads: counted per product, and said to the
administrator once per product and day (docs/adapters.md, "Nothing silent").

The messages themselves are dead letters with reason ``unmapped:<fields>``, beside whatever
events their readable part made; this adds the count and the notice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.ids import IdFactory
from gateway.metrics import Metrics
from gateway.notification import AdminNotice, Notification

_LABELS_MAX = 200  # products with a metric label of their own; the rest count as "other"


class UnreadFields:
    def __init__(self, *, metrics: Metrics, ids: IdFactory, timezone: str) -> None:
        self._metrics = metrics
        self._ids = ids
        self._zone = ZoneInfo(timezone)
        self._noticed: dict[str, str] = {}  # product -> local day it was last said
        self._today: dict[str, int] = {}  # product -> messages with unread fields today
        self._labels: set[str] = set()

    def restore(self, products: Iterable[str], *, now_ms: int) -> None:
        """Products already said today (before a restart): not said again."""
        day = self._day(now_ms)
        for product in products:
            self._noticed[product] = day

    def seen(
        self, product: str, fields: tuple[str, ...], device_id: str | None, now_ms: int
    ) -> Notification | None:
        """Count one message; the notice to send, when the product was not said today."""
        label = product if product in self._labels else None
        if label is None and len(self._labels) < _LABELS_MAX:
            self._labels.add(product)
            label = product
        self._metrics.unread_fields.labels(label or "other").inc()
        day = self._day(now_ms)
        if self._noticed.get(product) != day:
            self._today = {p: n for p, n in self._today.items() if self._noticed.get(p) == day}
            if len(self._today) >= _LABELS_MAX:
                return None  # a flood of made-up products: counted, not noticed one by one
        count = self._today[product] = self._today.get(product, 0) + 1
        if self._noticed.get(product) == day:
            return None
        self._noticed[product] = day
        if len(self._noticed) > 10 * _LABELS_MAX:  # bounded: old days are forgotten
            self._noticed = {p: d for p, d in self._noticed.items() if d == day}
        return Notification(
            id=self._ids.new(now_ms),
            reason="unmapped",
            created_ms=now_ms,
            notice=AdminNotice(
                kind="unmapped", product=product, fields=fields, device_id=device_id, count=count
            ),
        )

    def day_start_ms(self, now_ms: int) -> int:
        """When the local day of ``now_ms`` began (what "once a day" counts from)."""
        local = datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(self._zone)
        return int(local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)

    def _day(self, now_ms: int) -> str:
        return datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(self._zone).date().isoformat()
