"""Notification channels behind one small interface (``base.Notifier``), one file each that
declares its configuration and ``type`` (``PLUGIN``), the registry that collects them
(``registry``), the router that picks them (``routing``) and the dispatcher that feeds them
(``dispatcher``); ``fake`` and ``timer.FakeTimer`` for tests."""
