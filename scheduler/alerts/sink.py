"""A local SMTP server that keeps what it receives: the demo's inbox, and the tests' mail server.

Real SMTP (aiosmtpd) on 127.0.0.1, so the demo and the tests exercise the same mailer and
the same protocol a real mail server speaks. `refuse[address] = (code, text)` makes it
answer RCPT TO for that address with an error (550: for good, 451: try later).
"""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Self

from aiosmtpd.controller import Controller


class MailSink:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = 0
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, tuple[int, str]] = {}
        self._controller: Controller | None = None

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            code, text = self.refuse[address]
            return f"{code} {text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"

    def start(self) -> Self:
        with socket.socket() as probe:  # a free port (aiosmtpd's start-up self-check needs a real one)
            probe.bind((self.host, 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
