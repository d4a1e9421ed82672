"""Sends one message through the configured SMTP server (the notifier's only way out)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from infrastructure.settings import MailSettings


class Mailer:
    """Sends one message through the configured SMTP server."""

    def __init__(self, config: MailSettings) -> None:
        self.config = config

    @property
    def configured(self) -> bool:
        return bool(self.config.host)

    def send(self, message: EmailMessage) -> None:
        c = self.config
        if c.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        with smtp:
            if c.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if c.user:
                smtp.login(c.user, c.password)
            smtp.send_message(message)
