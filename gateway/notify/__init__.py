"""Notification channels behind one small interface (``base.Notifier``), one file each, the
router that picks them (``routing``) and the dispatcher that feeds them (``dispatcher``)."""
