"""The mailer against a real SMTP server on 127.0.0.1 (aiosmtpd): accepted, refused, down."""

from __future__ import annotations

import socket
from email.message import EmailMessage

import pytest

from scheduler.alerts.mailer import Mailer, SmtpSettings
from spiders.errors import MailError


def message(to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "alerts@communique.example", to, "[communique] test"
    msg.set_content("hello")
    return msg


def settings(server, **kw) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, sender="alerts@communique.example", timeout=5, **kw)


def test_accepted_message_arrives(smtp_server):
    with Mailer(settings(smtp_server)) as mailer:
        assert mailer.send(message("a@example.org")) == "accepted"
    assert [m["To"] for m in smtp_server.messages] == ["a@example.org"]


def test_a_refused_recipient_is_permanent_and_others_still_go(smtp_server):
    smtp_server.refuse["bad@example.org"] = (550, "5.1.1 no such user")
    smtp_server.refuse["later@example.org"] = (451, "4.3.0 try again later")
    with Mailer(settings(smtp_server)) as mailer:
        with pytest.raises(MailError, match="550") as permanent:
            mailer.send(message("bad@example.org"))
        with pytest.raises(MailError, match="451") as temporary:
            mailer.send(message("later@example.org"))
        mailer.send(message("good@example.org"))
    assert permanent.value.temporary is False
    assert temporary.value.temporary is True
    assert [m["To"] for m in smtp_server.messages] == ["good@example.org"]


def test_server_down_is_temporary_and_one_line():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(MailError) as err, Mailer(SmtpSettings(host="127.0.0.1", port=port, timeout=2)):
        pass
    assert err.value.temporary is True
    assert str(err.value) == f"mail server 127.0.0.1:{port} unreachable: connection refused"


def test_password_comes_from_the_environment_and_is_never_shown(monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("COMMUNIQUE_SMTP_PORT", "587")
    monkeypatch.setenv("COMMUNIQUE_SMTP_USER", "alerts")
    monkeypatch.setenv("COMMUNIQUE_SMTP_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("COMMUNIQUE_SMTP_STARTTLS", "1")
    s = SmtpSettings.from_env()
    assert (s.host, s.port, s.user, s.password, s.starttls) == ("mail.example.org", 587, "alerts", "s3cret-pw", True)
    assert "s3cret-pw" not in repr(s)
