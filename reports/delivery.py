"""Scheduled reports: on the first day of each month (quarter, year), the previous period's
report is made, stored and announced through the notification channels, exactly once.

Restart-safe: a report is stored together with its announcement (one transaction, keyed by
the period), so a restart neither makes it twice nor announces it twice; an announcement
stored but not yet delivered is delivered by the dispatcher at start-up like any other.
"""

from __future__ import annotations

import asyncio
import functools
import logging

import sqlalchemy as sa

from core.clock import Clock
from core.config import Settings
from core.ids import IdFactory
from gateway.notification import Notification, ReportNotice
from gateway.notify.dispatcher import Dispatcher
from gateway.store.db import UNAVAILABLE
from gateway.store.reports import report_exists, save_report
from gateway.store.rows import ReportRow
from gateway.store.writer import StoreWriter
from reports import Period, build_report
from reports.render import render
from reports.report import Report, settings_from
from reports.schedule import Schedule

log = logging.getLogger(__name__)

HEADLINE = (
    "alarms.total", "alarms.kind.fire", "alarms.kind.gas", "critical.acked_60s_rate",
    "smoke.false_rate", "tickets.opened", "tickets.closure_rate", "tickets.overdue",
    "ebike.detections", "devices.online_rate",
)  # fmt: skip


class ReportDelivery:
    def __init__(
        self,
        *,
        engine: sa.Engine,
        store: StoreWriter,
        dispatcher: Dispatcher,
        settings: Settings,
        clock: Clock,
        ids: IdFactory,
    ) -> None:
        self._engine = engine
        self._store = store
        self._dispatcher = dispatcher
        self._settings = settings
        self._clock = clock
        self._ids = ids
        r = settings.reports
        self._schedule = Schedule.parse_at(
            r.deliver_at,
            timezone=settings.timezone,
            quarterly=r.deliver_quarterly,
            yearly=r.deliver_yearly,
            catch_up_days=r.catch_up_days,
        )

    async def run(self, every_s: float = 60.0) -> None:
        while True:
            try:
                await self.tick()
            except UNAVAILABLE as exc:
                log.warning("scheduled reports wait for the database: %s", exc.orig)
            await asyncio.sleep(every_s)

    async def tick(self) -> list[str]:
        """Makes every report that is due and not yet made; returns their ids."""
        made = []
        for period in self._schedule.due(self._clock.now_ms()):
            report_id = f"{period.kind}:{period.label}"
            if await self._store.run_in_store(
                functools.partial(report_exists, report_id=report_id)
            ):
                continue
            log.info("making the %s report for %s", period.kind, period.label)
            report = await asyncio.to_thread(self._build, period)
            announcement = self._announcement(report_id, report)
            row = ReportRow(
                id=report_id,
                kind=period.kind,
                period=period.label,
                created_ms=report.generated_ms,
                json=render(report, "json").decode(),
                html=render(report, "html").decode(),
            )
            stored = await self._store.run_in_store(
                functools.partial(save_report, row=row, announcement=announcement)
            )
            if stored:
                self._dispatcher.enqueue([announcement])
                made.append(report_id)
        return made

    def _build(self, period: Period) -> Report:
        with self._engine.connect() as conn:
            return build_report(
                conn, period, settings=settings_from(self._settings), now_ms=self._clock.now_ms()
            )

    def _announcement(self, report_id: str, report: Report) -> Notification:
        now = self._clock.now_ms()
        base = self._settings.reports.public_url
        url = f"{base.rstrip('/')}/#report={report_id}" if base else None
        figures = report.total.figures
        return Notification(
            id=self._ids.new(now),
            reason="ready",
            created_ms=now,
            report=ReportNotice(
                report_id=report_id,
                kind=report.period.kind,
                period=report.period.label,
                title=report.period.label_zh,
                url=url,
                headline={key: figures.get(key) for key in HEADLINE},
                warnings=len(report.warnings),
            ),
        )
