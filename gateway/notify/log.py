"""Notifications as log lines: always on, so that nothing is ever notified nowhere."""

from __future__ import annotations

import logging

from gateway.notification import Notification

log = logging.getLogger("siteguard.notify")


class LogNotifier:
    name = "log"
    timeout_s = 5.0
    retries = 0
    rate_limit_per_min: int | None = None

    async def close(self) -> None:
        pass

    async def send(self, notification: Notification) -> None:
        alarm, ticket = notification.alarm, notification.ticket
        if notification.digest:
            log.info("DIGEST %d notices: %s", len(notification.digest), notification.id)
        elif notification.notice is not None:
            notice = notification.notice
            log.warning(
                "NOTICE %s: product %s sends fields SiteGuard does not read: %s (device %s)",
                notice.kind, notice.product, ",".join(notice.fields), notice.device_id,
            )  # fmt: skip
        elif alarm is not None:
            level = logging.WARNING if alarm.severity == "critical" else logging.INFO
            log.log(
                level,
                "ALARM %s %s %s building=%s devices=%s count=%d id=%s",
                notification.reason, alarm.severity, alarm.kind, alarm.building_id,
                ",".join(alarm.device_ids), alarm.count, alarm.id,
            )  # fmt: skip
        elif ticket is not None:
            log.warning(
                "TICKET %s %s building=%s status=%s level=%d responsible=%s id=%s",
                notification.reason, ticket.category, ticket.building_id, ticket.status,
                ticket.escalation_level, ticket.responsible, ticket.id,
            )  # fmt: skip
        elif notification.report is not None:
            report = notification.report
            log.info(
                "REPORT %s ready: %d early warnings, %s",
                report.report_id, report.warnings, report.url or "(no reports.public_url)",
            )  # fmt: skip
