"""A turn of the pipeline: what one batch, timer tick or command changes, collected for one
commit and announced after it."""

from __future__ import annotations

from dataclasses import dataclass, field

from alerting.model import AlarmChange
from alerting.rule_engine import RuleEngine
from gateway.hub import HubEvent
from gateway.notification import Notification
from gateway.store.writeset import WriteSet


@dataclass(kw_only=True)
class Turn:
    engine: RuleEngine
    now: int
    ws: WriteSet = field(default_factory=WriteSet)
    changes: list[AlarmChange] = field(default_factory=list)
    events: list[HubEvent] = field(default_factory=list)  # published after the commit
    notifications: list[Notification] = field(default_factory=list)  # sent after the commit
