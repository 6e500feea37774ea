"""Outgoing mail over SMTP: the one door Pledge sends email through (identity codes).

The server, sender and TLS mode come from :class:`pledge.settings.Settings`; nothing here
reads the environment. A server that cannot be reached or refuses the message raises
:class:`MailNotSent` with a sentence naming the server.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from pledge.settings import Settings

TLS_MODES = ("off", "starttls", "tls")
TIMEOUT_SECONDS = 20


class MailNotSent(RuntimeError):
    """The message did not leave: server down, refused, or TLS not offered."""


def send(settings: Settings, *, to: str, subject: str, body: str, sender: str) -> str:
    """Send one plain-text message; its Message-ID.

    >>> send(settings, to="ann@example.uk", subject="Hi", body="", sender="a@b")  # doctest: +SKIP
    """
    if settings.smtp_tls not in TLS_MODES:
        raise MailNotSent(
            f"smtp_tls is '{settings.smtp_tls}'; use one of {', '.join(TLS_MODES)} "
            "(PLEDGE_SMTP_TLS)"
        )
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if settings.smtp_tls == "tls":
            client = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS)
        with client:
            if settings.smtp_tls == "starttls":
                client.starttls(context=context)
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(f"the mail server at {where} did not take the message: {exc}") from None
    return str(message["Message-ID"])
