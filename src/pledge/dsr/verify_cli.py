"""``pledge request challenge`` and ``pledge request verify``: confirm who is asking.

``challenge`` emails a one-time code. ``verify --code`` (with the second factor the
declaration asks for) lets Pledge make the checks itself; ``verify --how`` records a check
only a person can make (an ID document seen, a call back) once Pledge's own have passed.
Anything short of the declared checks is an override: ``--how`` with ``--override-reason``,
both kept with who gave them. The clock starts the day identity is confirmed.
"""

from __future__ import annotations

from datetime import date, datetime

import click
from sqlalchemy.engine import Engine

from pledge.cli import App, pass_app
from pledge.dsr.challenge import send_code
from pledge.dsr.cli import DAY, actor, day_or_today, request, store
from pledge.dsr.factors import FactorUndeclared
from pledge.dsr.request_store import RequestView
from pledge.dsr.verification import Checked, VerificationRefused, check, confirm, unproved
from pledge.mail import MailNotSent
from pledge.rules.verification import FactorInvalid, Verdict


@request.command("challenge")
@click.argument("request_id", type=int)
@pass_app
def challenge(app: App, request_id: int) -> None:
    """Email a one-time code to the request's address (it works for 15 minutes by default)."""
    loaded = app.load()
    with store(app) as engine:
        try:
            to, expires = send_code(
                engine, request_id, loaded=loaded, settings=app.settings, actor=actor()
            )
        except (VerificationRefused, MailNotSent) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"code sent to {to}; it works until {expires:%H:%M} UTC")
    click.echo(f"then: pledge request verify {request_id} --code CODE")


@request.command("verify")
@click.argument("request_id", type=int)
@click.option("--code", help="The code the person received by email (Pledge checks it).")
@click.option("--account-number", help="Second factor: the person's account number.")
@click.option("--date-of-birth", help="Second factor: date of birth (YYYY-MM-DD).")
@click.option("--postcode", help="Second factor: the postcode on the account.")
@click.option("--how", help='A check a person made ("passport seen by J. Ede").')
@click.option(
    "--override-reason",
    help="With --how: why identity is confirmed without the checks the declaration asks for.",
)
@click.option("--on", "on", type=DAY, help="With --how: day identity was confirmed (today).")
@pass_app
def verify(
    app: App,
    request_id: int,
    code: str | None,
    account_number: str | None,
    date_of_birth: str | None,
    postcode: str | None,
    how: str | None,
    override_reason: str | None,
    on: datetime | None,
) -> None:
    """Confirm identity: with --code (and a second factor) Pledge checks it; with --how a
    person's check is recorded; with --how and --override-reason identity is confirmed
    without the declared checks, on the record. The clock starts that day."""
    factors = {
        "account-number": account_number,
        "date-of-birth": date_of_birth,
        "postcode": postcode,
    }
    automatic = code is not None or any(v is not None for v in factors.values())
    if automatic and (how is not None or on is not None or override_reason is not None):
        raise click.UsageError("give --code and second factors, or --how for a person's check")
    if override_reason is not None and not (how or "").strip():
        raise click.UsageError('an override needs --how "what was checked, by whom" too')
    if how is not None and not how.strip():
        raise click.UsageError("--how must say what was checked, and by whom")
    if override_reason is not None and not override_reason.strip():
        raise click.UsageError("--override-reason must say why the declared checks are not met")
    with store(app) as engine:
        if not automatic:
            try:
                view = _confirm(app, engine, request_id, how, override_reason, day_or_today(on))
            except VerificationRefused as exc:
                raise click.ClickException(str(exc)) from None
            click.echo(f"request {view.id} is {view.state.label}; due {view.due:%d %B %Y}")
            if override_reason is not None:
                click.echo(f"recorded as an override of the declared checks: {override_reason}")
            return
        try:
            checked = check(
                engine,
                request_id,
                loaded=app.load(),
                settings=app.settings,
                actor=actor(),
                code=code,
                factors={k: v for k, v in factors.items() if v is not None},
            )
        except (VerificationRefused, FactorInvalid, FactorUndeclared) as exc:
            raise click.ClickException(str(exc)) from None
    _say(checked)


def _confirm(
    app: App,
    engine: Engine,
    request_id: int,
    how: str | None,
    override_reason: str | None,
    on: date,
) -> RequestView:
    # With nothing given, confirm() says what the declaration asks for and records nothing.
    return confirm(
        engine,
        request_id,
        loaded=app.load(),
        how=how or "",
        actor=actor(),
        on=on,
        override_reason=override_reason,
    )


def _say(checked: Checked) -> None:
    view = checked.request
    if checked.verdict is Verdict.PASSED:
        if checked.remaining:
            click.echo(f"request {view.id}: Pledge's checks passed; a person must still check")
            click.echo(f"  {', '.join(checked.remaining)}: pledge request verify {view.id} --how")
            return
        click.echo(f"request {view.id} is {view.state.label}; due {view.due:%d %B %Y}")
        for identity in unproved(view):
            click.echo(f"note: the code does not prove {identity} is theirs", err=True)
        return
    wrong = (
        "the code is not right"
        if checked.failed == "code"
        else f"the {(checked.failed or 'answer').replace('-', ' ')} does not match our records"
    )
    message = {
        Verdict.WRONG: f"{wrong}; {checked.attempts_left} attempt(s) left",
        Verdict.LOCKED: f"{wrong}; that was the last attempt, the checks are now locked "
        f"(a person must verify: pledge request verify {view.id} --how ...)",
        Verdict.ALREADY_LOCKED: "the checks are locked after too many wrong answers; a person "
        f"must verify: pledge request verify {view.id} --how ...",
        Verdict.EXPIRED: "the code has expired; send a new one: "
        f"pledge request challenge {view.id}",
    }[checked.verdict]
    raise click.ClickException(f"request {view.id}: {message}")
