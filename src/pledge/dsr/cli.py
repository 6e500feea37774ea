"""``pledge request``: log, verify, run, pause, extend and list data subject requests.

``pledge access`` (the one-shot answer for the demo) lives in ``access_cli`` and shares the
helpers here."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, get_args

import click
from sqlalchemy.engine import Engine

from pledge.cli import App, pass_app
from pledge.declaration.model import RequestType
from pledge.dsr import request_store as requests
from pledge.dsr import respond_queued
from pledge.dsr.options import out_option, passphrase_option
from pledge.dsr.plan_cli import choice_options, choices_from, identity_options, identity_pairs
from pledge.dsr.request_show import describe, table
from pledge.dsr.respond import RequestNotReady, answer
from pledge.rules.deadline import ClockError
from pledge.store import StoreUnavailable, current, head, make_engine, upgrade
from pledge.subjects.identity import IdentityInvalid, parse
from pledge.subjects.reach import Choices

DAY = click.DateTime(formats=["%Y-%m-%d"])


def actor() -> str:
    """Who is acting, for the audit log: PLEDGE_ACTOR, else the operating-system user."""
    try:
        return os.environ.get("PLEDGE_ACTOR") or f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in some containers
        return "cli"


@contextmanager
def store(app: App, *, create: bool = False) -> Iterator[Engine]:
    """Pledge's store, at the latest revision; one sentence when it is not."""
    try:
        if create:
            upgrade(app.settings)
        elif current(app.settings) != head():
            raise click.ClickException(
                "Pledge's store is not set up or not up to date: run `pledge db upgrade`"
            )
        engine = make_engine(app.settings)
    except StoreUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield engine
    except (requests.RequestNotFound, ClockError, ValueError, RequestNotReady) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()


def day_or_today(value: datetime | None) -> date:
    return value.date() if value is not None else date.today()


def identities_given(
    given: dict[str, tuple[str, ...]], others: tuple[str, ...]
) -> dict[str, list[str]]:
    """The identities from the options, normalised, by kind; a usage error when malformed."""
    try:
        found = parse(identity_pairs(given, others))
    except IdentityInvalid as exc:
        raise click.UsageError(str(exc)) from None
    out: dict[str, list[str]] = {}
    for identity in found:
        out.setdefault(identity.kind, []).append(identity.value)
    return out


def _passphrase(file: Path | None) -> str | None:
    if file is None:
        return None
    # The last newline is the editor's, not the passphrase's.
    return file.read_text("utf-8").rstrip("\r\n")


def run_request(
    app: App,
    engine: Engine,
    request_id: int,
    out: Path,
    passphrase: Path | None,
    choices: Choices | None = None,
) -> None:
    """Run a stored request, print its state and, for access, the package path last."""
    loaded = app.load()

    def progress(dotted: str, rows: int) -> None:
        click.echo(f"  {dotted}: {rows} record(s)", err=True)

    kind = requests.get(engine, request_id).kind
    click.echo(f"request {request_id}: {kind}, opening the systems it reaches...", err=True)
    try:
        outcome = answer(
            engine,
            request_id,
            loaded=loaded,
            settings=app.settings,
            out=out.absolute(),
            passphrase=_passphrase(passphrase),
            actor=actor(),
            progress=progress,
            choices=choices,
        )
    except RequestNotReady:
        raise
    except Exception as exc:
        raise click.ClickException(f"request {request_id} failed: {exc}") from None
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"request {request_id} is {outcome.request.state.label}")
    if outcome.package is not None and not any(outcome.counts.values()):
        # Not found is a valid answer; it is said plainly, here and in the package's report.
        click.echo(f"no personal data found for this person in {len(outcome.counts)} place(s)")
    if outcome.package is not None:
        click.echo(str(outcome.package))


@click.group("request")
def request() -> None:
    """Log, verify, run and follow data subject requests and their statutory clocks."""


@request.command("new")
@click.option(
    "--type", "kind", required=True, type=click.Choice(get_args(RequestType)), help="Request type."
)
@identity_options
@click.option("--received", type=DAY, help="Day the request arrived (default: today).")
@pass_app
def new(
    app: App,
    kind: RequestType,
    email: tuple[str, ...],
    phone: tuple[str, ...],
    customer_id: tuple[str, ...],
    account_number: tuple[str, ...],
    others: tuple[str, ...],
    received: datetime | None,
) -> None:
    """Log a new request; it waits for identity checks unless the declaration asks for none."""
    given = {"email": email, "phone": phone, "customer_id": customer_id}
    identities = identities_given({**given, "account_number": account_number}, others)
    rights = app.load().declaration.rights
    with store(app) as engine:
        view = requests.open_request(
            engine,
            kind=kind,
            identities=identities,
            rights=rights,
            received_on=day_or_today(received),
            actor=actor(),
        )
    click.echo(f"request {view.id} logged: {view.kind}, {view.state.label}")
    if view.state.value == "awaiting-verification":
        checks = rights.verification.get(kind, "none")
        if "email-code" in checks.split("+"):
            click.echo(f"send the code: pledge request challenge {view.id}")
        click.echo(
            f"confirm identity ({checks}), then: pledge request verify {view.id} "
            '--how "what was checked, by whom"'
        )


@request.command("run")
@click.argument("request_id", type=int, required=False)
@click.option(
    "--queued",
    is_flag=True,
    help="Answer every in-progress access and portability request together.",
)
@out_option
@passphrase_option
@choice_options
@pass_app
def run(
    app: App,
    /,
    request_id: int | None,
    queued: bool,
    out: Path,
    passphrase_file: Path | None,
    **kw: Any,
) -> None:
    """Carry out one request, or with --queued every confirmed access request together.

    For access and portability, write the package (to --out, default here). A request that
    stops as ambiguous (an identity value shared with someone else) can be run again with
    --same-person or --ignore-value: the choice is recorded in the audit log.
    """
    choices = choices_from(kw)
    if choices and queued:
        raise click.UsageError("--same-person and --ignore-value are for one request, not --queued")
    if queued and request_id is not None:
        raise click.UsageError("give a request id or --queued, not both")
    if not queued and request_id is None:
        raise click.UsageError("give the id of the request to run, or --queued for all of them")
    with store(app) as engine:
        if request_id is not None:
            run_request(app, engine, request_id, out, passphrase_file, choices)
        else:
            run_queued(app, engine, out, passphrase_file)


def run_queued(app: App, engine: Engine, out: Path, passphrase: Path | None) -> None:
    """Answer every queued access and portability request; one line each, then a summary."""
    loaded = app.load()
    ready = respond_queued.queued(engine)
    click.echo(f"{len(ready)} queued access or portability request(s)", err=True)
    try:
        outcomes = respond_queued.answer_queued(
            engine,
            loaded=loaded,
            settings=app.settings,
            out=out.absolute(),
            passphrase=_passphrase(passphrase),
            actor=actor(),
        )
    except Exception as exc:
        ids = ", ".join(str(v.id) for v in ready)
        raise click.ClickException(f"request(s) {ids} failed: {exc}") from None
    for outcome in outcomes:
        view = outcome.request
        total = sum(outcome.counts.values())
        state = f"{view.kind}, {view.state.label}"
        click.echo(f"request {view.id}: {state}, {total} record(s), {outcome.package}")
        for warning in outcome.warnings:
            click.echo(f"  warning: {warning}", err=True)
    click.echo(f"{len(outcomes)} request(s) answered")


@request.command("show")
@click.argument("request_id", type=int)
@pass_app
def show(app: App, request_id: int) -> None:
    """Everything about one request: identities, clock, outcome and its audit trail."""
    with store(app) as engine:
        view = requests.get(engine, request_id)
        trail = requests.history(engine, request_id)
    for line in describe(view, trail, date.today()):
        click.echo(line)


@request.command("list")
@click.option("--overdue", is_flag=True, help="Only open requests past their due date.")
@click.option("--all", "everything", is_flag=True, help="Finished requests too.")
@pass_app
def list_(app: App, overdue: bool, everything: bool) -> None:
    """Requests with their due dates, open ones first, the most urgent at the top."""
    today = date.today()
    with store(app) as engine:
        views = requests.find(engine, open_only=not everything)
    if overdue:
        views = [v for v in views if v.overdue(today)]
    for line in table(views, today):
        click.echo(line)


@request.command("pause")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="What the person was asked to clarify.")
@click.option("--on", "on", type=DAY, help="Day the clock stopped (default: today).")
@pass_app
def pause(app: App, request_id: int, reason: str, on: datetime | None) -> None:
    """Stop the clock while the person is asked to clarify their request."""
    with store(app) as engine:
        view = requests.pause(engine, request_id, on=day_or_today(on), reason=reason, actor=actor())
    click.echo(f"request {view.id}: clock paused")


@request.command("resume")
@click.argument("request_id", type=int)
@click.option("--on", "on", type=DAY, help="Day the clarification arrived (default: today).")
@pass_app
def resume(app: App, request_id: int, on: datetime | None) -> None:
    """Start the clock again when the clarification arrives."""
    with store(app) as engine:
        view = requests.resume(engine, request_id, on=day_or_today(on), actor=actor())
    click.echo(f"request {view.id}: clock running, due {view.due:%d %B %Y}")


@request.command("extend")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="Why the request is complex or numerous.")
@click.option("--told-on", required=True, type=DAY, help="Day the person was told.")
@pass_app
def extend(app: App, request_id: int, reason: str, told_on: datetime) -> None:
    """Extend by two further months (the person must be told within the first month)."""
    with store(app) as engine:
        view = requests.extend(
            engine, request_id, reason=reason, told_on=told_on.date(), actor=actor()
        )
    click.echo(f"request {view.id}: extended, due {view.due:%d %B %Y}")


def register(group: click.Group) -> None:
    """Add ``pledge request`` and ``pledge access`` to the ``pledge`` command."""
    # Importing these adds their commands (challenge, verify, access, erase...) to the group.
    from pledge.dsr import verify_cli as _verify_cli  # noqa: F401
    from pledge.dsr.access_cli import access
    from pledge.dsr.request_new_cli import new_commands

    group.add_command(request)
    group.add_command(access)
    new_commands(group)
