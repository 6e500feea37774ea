"""Outgoing mail over a real in-process SMTP server, and the SMTP settings from PLEDGE_*."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pledge.mail import MailNotSent, send
from pledge.settings import Settings
from tests.fixtures.smtp import Inbox


def test_smtp_and_code_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "PLEDGE_SMTP_HOST": "mail.northwold.example",
            "PLEDGE_SMTP_PORT": "587",
            "PLEDGE_SMTP_FROM": "privacy@northwold.example",
            "PLEDGE_SMTP_TLS": "starttls",
            "PLEDGE_SMTP_USER": "pledge",
            "PLEDGE_SMTP_PASSWORD": "s3cret",
            "PLEDGE_CODE_MINUTES": "10",
            "PLEDGE_CODE_ATTEMPTS": "3",
        }
    )
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == (
        "mail.northwold.example",
        587,
        "starttls",
    )
    assert (settings.smtp_from, settings.smtp_user) == ("privacy@northwold.example", "pledge")
    assert (settings.code_minutes, settings.code_attempts) == (10, 3)
    assert "s3cret" not in repr(settings)
    defaults = Settings.from_env({})
    assert (defaults.smtp_host, defaults.smtp_port, defaults.smtp_tls) == ("localhost", 25, "off")
    assert (defaults.code_minutes, defaults.code_attempts) == (15, 5)
    with pytest.raises(ValueError, match="PLEDGE_SMTP_PORT must be a number, not 'twenty'"):
        Settings.from_env({"PLEDGE_SMTP_PORT": "twenty"})


def test_a_message_arrives_at_the_server(smtp_server: Inbox) -> None:
    settings = Settings(smtp_host=smtp_server.host, smtp_port=smtp_server.port)
    message_id = send(
        settings, to="ann@example.uk", subject="Your code", body="123456", sender="a@b.example"
    )
    received = smtp_server.messages[-1]
    assert (received["To"], received["Subject"], received["Message-ID"]) == (
        "ann@example.uk",
        "Your code",
        message_id,
    )
    assert smtp_server.last_body().strip() == "123456"


def test_starttls_refused_by_the_server_is_a_sentence_naming_it(smtp_server: Inbox) -> None:
    settings = Settings(smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_tls="starttls")
    with pytest.raises(MailNotSent, match=f"mail server at 127.0.0.1:{smtp_server.port}"):
        send(settings, to="ann@example.uk", subject="s", body="b", sender="a@b.example")
    assert smtp_server.messages == []
    with pytest.raises(MailNotSent, match="use one of off, starttls, tls"):
        send(replace(settings, smtp_tls="yes"), to="a@b.uk", subject="s", body="b", sender="x@y")
