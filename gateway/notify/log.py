"""Notifications as log lines: always on, so that nothing is ever notified nowhere."""

from __future__ import annotations

import logging

from gateway.notify.base import Notification

log = logging.getLogger("siteguard.alarms")


class LogNotifier:
    name = "log"

    async def send(self, notification: Notification) -> None:
        alarm = notification.alarm
        level = logging.WARNING if alarm.severity == "critical" else logging.INFO
        log.log(
            level,
            "ALARM %s %s %s building=%s devices=%s count=%d id=%s",
            notification.reason,
            alarm.severity,
            alarm.kind,
            alarm.building_id,
            ",".join(alarm.device_ids),
            alarm.count,
            alarm.id,
        )
