"""Commands for erasure: ``pledge erase`` and ``pledge erasure list|replay``; they also bring
the other rights' commands (:mod:`pledge.dsr.rights_cli`) in with one registration.

They call the same service functions as the request register; these one-shot forms act at
once, for the demo and for a DPO who has already verified the person. Exit 3 means the work
was not completed (the message says where); nothing is ever reported done that was not.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from pledge.cli import App, pass_app
from pledge.connectors import ConnectorError
from pledge.dsr import ledger
from pledge.dsr.cli import actor
from pledge.dsr.erasure import ErasureIncomplete, ErasureRefused, erase
from pledge.dsr.objection import ObjectionRefused
from pledge.dsr.plan_cli import choice_options, choices_from, identity_options, identity_pairs
from pledge.dsr.rectify import RectificationRefused
from pledge.dsr.replay import ReplayImpossible, replay
from pledge.dsr.restrict import RestrictionRefused
from pledge.dsr.strategies import StrategyError
from pledge.store.database import StoreUnavailable, make_engine
from pledge.store.subject_locks import LockTimeout
from pledge.subjects.identity import Identity, IdentityInvalid, parse
from pledge.subjects.reach import ReachStopped

EXIT_INCOMPLETE = 3
#: Errors that mean "refused or could not run, nothing half done": one sentence, exit 1.
REFUSALS = (
    ConnectorError,
    ErasureRefused,
    IdentityInvalid,
    LockTimeout,
    ObjectionRefused,
    ReachStopped,
    RectificationRefused,
    ReplayImpossible,
    RestrictionRefused,
    StoreUnavailable,
    StrategyError,
)


def register(main: click.Group) -> None:
    """Add these commands, and those of :mod:`pledge.dsr.rights_cli`, to ``pledge``."""
    from pledge.dsr.rights_cli import rectify_command, restriction

    for command in (erase_command, erasure, rectify_command, restriction):
        main.add_command(command)


def who(kwargs: dict[str, Any]) -> list[Identity]:
    """The identities given by the shared identity options (taken out of ``kwargs``)."""
    others = kwargs.pop("others")
    given = {k: kwargs.pop(k) for k in ("email", "phone", "customer_id", "account_number")}
    try:
        return parse(identity_pairs(given, others))
    except IdentityInvalid as exc:
        raise click.UsageError(str(exc)) from None


def refusing(run: Callable[[], None]) -> None:
    """Run ``run``; a refusal becomes one sentence and exit 1."""
    try:
        run()
    except REFUSALS as exc:
        raise click.ClickException(str(exc)) from None


@click.command("erase")
@identity_options
@choice_options
@click.option("--yes", is_flag=True, help="Erase without asking (the person is verified).")
@click.option("--request", "request_id", help="The request this erasure answers.")
@click.option("--json", "as_json", is_flag=True, help="Print the certificate as JSON.")
@pass_app
def erase_command(app: App, /, yes: bool, request_id: str | None, as_json: bool, **kw: Any) -> None:
    """Erase a person everywhere the declaration reaches, then print the erasure certificate.

    The request stops before anything is written when an identity value is shared with
    someone else; --same-person or --ignore-value then records the operator's choice.
    """
    choices = choices_from(kw)
    identities = who(kw)
    loaded = app.load()
    if not yes:
        shown = ", ".join(str(i) for i in identities)
        click.confirm(f"Erase everything held about {shown}? This cannot be undone", abort=True)

    def run() -> None:
        try:
            result = erase(
                loaded,
                identities,
                settings=app.settings,
                request_id=request_id,
                choices=choices,
                actor=actor(),
            )
        except ErasureIncomplete as exc:
            click.echo(exc.result.text(), err=True)
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INCOMPLETE)
        click.echo(json.dumps(result.certificate(), indent=2) if as_json else result.text())

    refusing(run)


@click.group()
def erasure() -> None:
    """The erasure ledger: list past erasures, re-apply them after a restore."""


@erasure.command("replay")
@click.option("--system", required=True, help="The system restored from a backup.")
@pass_app
def replay_command(app: App, system: str) -> None:
    """Erase again, on SYSTEM, everyone the ledger says was erased from it."""
    loaded = app.load()

    def run() -> None:
        try:
            done = replay(loaded, settings=app.settings, system=system)
        except ErasureIncomplete as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INCOMPLETE)
        click.echo(
            f"{system}: {done.erasures} past erasure(s) in the ledger; {done.people} found in "
            f"the restored data and erased again ({sum(r.erased for r in done.results)} row(s))"
        )

    refusing(run)


@erasure.command("list")
@click.option("--system", help="Only erasures of this system.")
@pass_app
def list_command(app: App, system: str | None) -> None:
    """The erasure ledger: what was erased, when, for which request (people only as hashes)."""
    loaded = app.load()

    def run() -> None:
        engine = make_engine(app.settings, loaded.folder)
        try:
            past = ledger.past_erasures(engine, system)
        finally:
            engine.dispose()
        if not past:
            click.echo("the erasure ledger is empty" + (f" for {system}" if system else ""))
        for entry in past:
            request = f" request {entry.request_id}" if entry.request_id else ""
            click.echo(
                f"{entry.at:%Y-%m-%d %H:%M} {entry.erasure_id} {entry.system}{request}: "
                f"{entry.rows} row(s) in {', '.join(entry.datasets)}"
            )

    refusing(run)
