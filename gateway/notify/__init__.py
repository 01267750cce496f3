"""Notification channels behind one small interface, and the dispatcher that feeds them."""

from gateway.notify.base import Notification, Notifier, NotifyError
from gateway.notify.dispatcher import Dispatcher
from gateway.notify.log import LogNotifier

__all__ = ["Dispatcher", "LogNotifier", "Notification", "Notifier", "NotifyError"]
