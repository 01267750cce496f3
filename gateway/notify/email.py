"""E-mail over SMTP (plain, STARTTLS or SSL), sent from a worker thread.

A ticket notice that reaches the building's responsible person (a route's
``notify_responsible``) is the same message, with their address in ``Cc`` and a line that
says whom it is for. A server refusing only that address does not fail the message (the
office's recipients have it); the address is never in a log line or a stored error.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from gateway.notification import Notification
from gateway.notify import text
from gateway.notify.base import NotifyError
from gateway.notify.channel import ChannelBase, ChannelNotifier
from gateway.notify.plugin import NotifierPlugin
from gateway.notify.responsible import mask_email, scrub

log = logging.getLogger(__name__)


class EmailChannel(ChannelBase):
    type: Literal["email"]
    host: str = Field(description="SMTP server")
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = Field(default="starttls")
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(description="From:")
    to: list[str] = Field(min_length=1, description="To:")

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> EmailChannel:
        if self.password is not None and self.security == "none":
            raise ValueError(
                "security: 'none' would send the SMTP password unencrypted; use starttls or ssl"
            )
        return self


class EmailNotifier(ChannelNotifier[EmailChannel]):
    responsible_via = "email"  # a responsible person is reached at their e-mail address

    def message(self, n: Notification) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = text.subject(n, self._describe)
        message["From"] = self._config.sender
        message["To"] = ", ".join(self._config.to)
        contact = n.responsible
        if contact is not None and contact.email and contact.email not in self._config.to:
            message["Cc"] = contact.email
        message["X-SiteGuard-Notification"] = n.id
        message.set_content(text.plain(n, self._describe))
        return message

    async def send(self, notification: Notification) -> None:
        await asyncio.to_thread(self._send, self.message(notification), notification)

    def _send(self, message: EmailMessage, n: Notification) -> None:
        try:
            refused = self._deliver(message)
        except NotifyError as exc:
            raise NotifyError(scrub(str(exc), n.responsible)) from None
        address = n.responsible.email if n.responsible is not None else None
        if address is not None and address in refused:
            log.warning(
                "mail %s: the server refused the responsible person's address (%s) for "
                "building %s: %s", self.name, mask_email(address), n.building_id,
                refused[address][0],
            )  # fmt: skip

    def _deliver(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """Send; the recipients the server refused while it took the others."""
        c = self._config
        try:
            smtp: smtplib.SMTP
            if c.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    c.host, c.port, timeout=c.timeout_s, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout_s)
            with smtp:
                if c.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if c.username:
                    smtp.login(c.username, c.password.get_secret_value() if c.password else "")
                return smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise NotifyError(f"SMTP {c.host}:{c.port}: {exc}") from exc


PLUGIN = NotifierPlugin(type="email", config=EmailChannel, build=EmailNotifier)
