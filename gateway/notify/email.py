"""E-mail over SMTP (plain, STARTTLS or SSL), sent from a worker thread."""

from __future__ import annotations

import asyncio
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
    def message(self, n: Notification) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = text.subject(n, self._describe)
        message["From"] = self._config.sender
        message["To"] = ", ".join(self._config.to)
        message["X-SiteGuard-Notification"] = n.id
        message.set_content(text.plain(n, self._describe))
        return message

    async def send(self, notification: Notification) -> None:
        await asyncio.to_thread(self._send, self.message(notification))

    def _send(self, message: EmailMessage) -> None:
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
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise NotifyError(f"SMTP {c.host}:{c.port}: {exc}") from exc


PLUGIN = NotifierPlugin(type="email", config=EmailChannel, build=EmailNotifier)
