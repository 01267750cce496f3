"""Prometheus metrics of one gateway instance (its own registry: no process-wide globals)."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)


class Metrics:
    def __init__(self) -> None:
        # The *_created series double the output and nobody graphs them.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.received = Counter(
            "siteguard_messages_received", "Messages received", ["source"], registry=r
        )
        self.rejected = Counter(
            "siteguard_messages_rejected", "Messages rejected, by reason", ["reason"], registry=r
        )
        self.intake_dropped = Counter(
            "siteguard_intake_dropped",
            "QoS 0 messages dropped because the intake was full (ingest.intake_max)",
            registry=r,
        )
        self.duplicates = Counter(
            "siteguard_messages_duplicate", "Repeats of (device, id) dropped", registry=r
        )
        self.unread_fields = Counter(
            "siteguard_unmapped_messages",
            "Messages with fields no product model reads, by platform product (or model)",
            ["product"],
            registry=r,
        )
        self.held = Counter(
            "siteguard_messages_held",
            "Vendor messages held for devices not yet registered",
            ["adapter"],
            registry=r,
        )
        self.released = Counter(
            "siteguard_messages_released",
            "Held messages replayed as history once their device was registered",
            registry=r,
        )
        self.accepted = Counter(
            "siteguard_events_accepted", "Events accepted", ["device_type"], registry=r
        )
        self.ts_replaced = Counter(
            "siteguard_device_time_replaced",
            "Events whose implausible device ts was replaced by the receive time",
            registry=r,
        )
        self.devices_registered = Counter(
            "siteguard_devices_auto_registered", "Devices registered from topics", registry=r
        )
        self.points_written = Counter(
            "siteguard_series_points_written", "Points stored by the sink", ["sink"], registry=r
        )
        self.points_spooled = Counter(
            "siteguard_series_points_spooled", "Points put in the disk spool", registry=r
        )
        self.points_rejected = Counter(
            "siteguard_series_points_rejected", "Points the server refused (HTTP 400)", registry=r
        )
        self.series_errors = Counter(
            "siteguard_series_write_errors", "Failed series writes", ["kind"], registry=r
        )
        self.series_spool_bytes = Gauge(
            "siteguard_series_spool_bytes", "Bytes waiting in the series spool", registry=r
        )
        self.series_spool_full = Gauge(
            "siteguard_series_spool_full",
            "1 while the series spool is at its disk budget and ingest is held back",
            registry=r,
        )
        self.db_spool_bytes = Gauge(
            "siteguard_db_spool_bytes", "Bytes of write-sets waiting for the database", registry=r
        )
        self.db_spool_full = Gauge(
            "siteguard_db_spool_full",
            "1 while the database spool is at its disk budget and ingest is held back",
            registry=r,
        )
        self.db_unavailable = Gauge(
            "siteguard_db_unavailable", "1 while the database cannot be written", registry=r
        )
        self.db_errors = Counter(
            "siteguard_db_write_errors", "Failed database writes", ["kind"], registry=r
        )
        self.pipeline_lag = Gauge(
            "siteguard_pipeline_lag_seconds",
            "Receive-to-commit time of the oldest message in the last batch",
            registry=r,
        )
        self.pipeline_latency = Histogram(
            "siteguard_pipeline_latency_seconds",
            "Receive-to-commit time of batches (oldest message)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.store_commit = Histogram(
            "siteguard_store_commit_seconds",
            "Time to commit one turn's write-set to the database (on the store thread)",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
            registry=r,
        )
        self.pipeline_pending = Gauge(
            "siteguard_pipeline_pending", "Messages received and not yet processed", registry=r
        )
        self.alarm_changes = Counter(
            "siteguard_alarm_changes", "Alarm changes committed", ["kind", "action"], registry=r
        )
        self.alarms_active = Gauge("siteguard_alarms_active", "Active alarms", registry=r)
        self.notifications = Counter(
            "siteguard_notifications",
            "Notification delivery attempts by channel and result (sent, failed, failover)",
            ["channel", "result"],
            registry=r,
        )
        self.notifications_held = Counter(
            "siteguard_notifications_held",
            "Notifications recorded but held back (fire inhibit, flapping)",
            registry=r,
        )
        self.tickets_exported = Counter(
            "siteguard_tickets_exported",
            "Ticket changes delivered to the hazard system, by result (sent, retry, refused)",
            ["result"],
            registry=r,
        )
        self.tickets_escalated = Counter(
            "siteguard_tickets_escalated", "Escalation steps of overdue tickets", registry=r
        )
        self.mqtt_connected = Gauge(
            "siteguard_mqtt_connected", "1 while subscribed to the broker", registry=r
        )
        self.mqtt_reconnects = Counter(
            "siteguard_mqtt_reconnects", "Broker connection attempts after a loss", registry=r
        )
        # ha.enabled (siteguard/ha.py)
        self.ha_active = Gauge(
            "siteguard_ha_active", "1 while this instance holds the lease and serves", registry=r
        )
        self.ha_epoch = Gauge(
            "siteguard_ha_epoch", "The lease epoch this instance last held", registry=r
        )
        self.ha_changes = Counter(
            "siteguard_ha_leadership_changes",
            "Leases this instance acquired or lost",
            ["change"],
            registry=r,
        )
        self.ha_fenced = Counter(
            "siteguard_ha_fenced",
            "Commits, acknowledgements and connections refused because the lease was gone",
            ["action"],
            registry=r,
        )
        self.ha_renew = Histogram(
            "siteguard_ha_renew_seconds",
            "Lease renewal round trips",
            buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 2),
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
