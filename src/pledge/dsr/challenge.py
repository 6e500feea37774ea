"""Send the emailed one-time code a request's identity check asks for.

The code goes out over SMTP (:mod:`pledge.mail`); only its keyed hash is stored, with its
expiry. Attempts carry over from the code before, so asking for a new code buys no more
guesses, and a locked check stays locked. Sent or not, the step is audited on the request.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from pledge import mail
from pledge.declaration import Loaded
from pledge.dsr.request_store import RequestView
from pledge.dsr.verification import (
    Mailer,
    VerificationRefused,
    audit_step,
    awaiting,
    hash_key,
    is_locked,
    latest,
    lock_request,
    locked_text,
    record,
)
from pledge.rules import verification as rules
from pledge.settings import Settings
from pledge.store.database import write_transaction
from pledge.store.keycheck import check_key
from pledge.store.request_tables import ChallengeRow


def send_code(
    engine: Engine,
    request_id: int,
    *,
    loaded: Loaded,
    settings: Settings,
    actor: str,
    now: datetime | None = None,
    mailer: Mailer = mail.send,
) -> tuple[str, datetime]:
    """Email a fresh code to the request's address; (address, when the code expires)."""
    now = now or datetime.now(UTC)
    view, wanted = awaiting(engine, request_id, loaded)
    if "email-code" not in wanted:
        raise VerificationRefused(
            f"the declaration does not ask for an emailed code for {view.kind} requests "
            f"(it asks for: {', '.join(wanted)}); use `pledge request verify {request_id}`"
        )
    key = hash_key(settings)
    emails = list(view.identities.get("email", []))
    if len(emails) != 1:
        # A code proves one address; a second address would be taken on trust.
        raise VerificationRefused(
            f"request {request_id} gives {len(emails)} email addresses; a code proves one, so "
            "log one request per address"
        )
    to = emails[0]
    sender = settings.smtp_from or _controller_address(loaded)
    code = rules.new_code()
    with write_transaction(engine) as session:
        check_key(session, key.encode())
        lock_request(session, request_id)  # copy the attempts no check is counting right now
        previous = latest(session, request_id)
        if previous is not None and is_locked(previous):
            raise VerificationRefused(locked_text(request_id))
        expires = rules.expiry(now, settings.code_minutes)
        session.add(
            ChallengeRow(
                request_id=request_id,
                code_hash=rules.code_hash(key, request_id, code),
                created_at=now,
                expires_at=expires,
                attempts=0 if previous is None else previous.attempts,
                max_attempts=settings.code_attempts,
            )
        )
        try:
            mailer(
                settings,
                to=to,
                sender=sender,
                subject=f"Your code for your request to {loaded.declaration.controller.name}",
                body=_body(loaded, view, code, settings.code_minutes),
            )
        except mail.MailNotSent as exc:
            session.rollback()
            record(engine, request_id, actor, "code-not-sent", {"reason": str(exc)})
            raise
        audit_step(session, request_id, actor, "code-sent", {"expires_at": expires.isoformat()})
    return to, expires


def _controller_address(loaded: Loaded) -> str:
    rights, controller = loaded.declaration.rights, loaded.declaration.controller
    for contact in (rights.how_to_ask, controller.dpo, controller.contact):
        if contact is not None and contact.email:
            return contact.email
    raise VerificationRefused(
        "no address to send codes from: set PLEDGE_SMTP_FROM, or rights.how_to_ask.email"
    )


def _body(loaded: Loaded, view: RequestView, code: str, minutes: int) -> str:
    name = loaded.declaration.controller.name
    return (
        f"Your code to confirm your {view.kind} request to {name} is:\n\n    {code}\n\n"
        f"It works for {minutes} minutes. Give it only to {name}, and only if you made this "
        "request; if you did not, you can ignore this message.\n"
    )
