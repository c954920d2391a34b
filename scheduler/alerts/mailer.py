"""Sending mail over SMTP (smtplib; Scrapy's own mail sender is deprecated).

The mailer only sends: whether a message was accepted is the whole answer, so the outbox
can mark an alert sent only after the server took it. Settings come from the environment
(spiders/config.py); the password is never logged and never part of a repr.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Self

from spiders import config
from spiders.errors import MailError


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    ssl: bool = False
    sender: str = "communique@localhost"
    timeout: float = 30

    @classmethod
    def from_env(cls) -> SmtpSettings:
        return cls(**config.smtp_settings())

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"[:300]
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return "no such host"
    return " ".join(str(exc).split())[:300] or type(exc).__name__


class Mailer:
    """One SMTP connection for a batch of messages: `with Mailer(settings) as m: m.send(msg)`."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        s = self.settings
        try:
            if s.ssl:
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.starttls:
                self.smtp.starttls(context=ssl.create_default_context())
            if s.user:
                self.smtp.login(s.user, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise MailError(f"mail server {s.where} refused the login: {_reason(exc)}", temporary=False) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise MailError(f"mail server {s.where} unreachable: {_reason(exc)}", temporary=True) from None
        return self

    def send(self, message: EmailMessage) -> str:
        """Hand one message to the server; the server's answer, or MailError."""
        assert self.smtp is not None, "use Mailer as a context manager"
        try:
            refused = self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            reason = f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
            raise MailError(f"recipient refused: {' '.join(reason.split())[:300]}", temporary=400 <= code < 500) from None
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"message refused: {_reason(exc)}", temporary=400 <= exc.smtp_code < 500) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"mail server {self.settings.where}: {_reason(exc)}", temporary=True) from None
        if refused:  # several recipients, some refused: one message has one recipient here
            raise MailError(f"recipient refused: {refused}", temporary=False)
        return "accepted"

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def __exit__(self, *exc) -> None:
        self.close()
