"""Commands for erasure and the rights beside it: ``pledge erase``, ``pledge erasure replay``,
``pledge rectify``, ``pledge restriction set|lift`` and ``pledge object``.

They call the same service functions as the request register; these one-shot forms act at
once, for the demo and for a DPO who has already verified the person. Exit 3 means the work
was not completed (the message says where); nothing is ever reported done that was not.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import click

from pledge.cli import App, pass_app
from pledge.connectors import ConnectorError
from pledge.dsr.erasure import ErasureIncomplete, ErasureRefused, erase
from pledge.dsr.identity import Identity, IdentityInvalid, parse
from pledge.dsr.objection import Kind, ObjectionRefused, object_to
from pledge.dsr.plan_cli import identity_options, identity_pairs
from pledge.dsr.rectify import RectificationRefused, rectify
from pledge.dsr.replay import ReplayImpossible, replay
from pledge.dsr.restrict import RestrictionRefused, lift_restriction, restrict
from pledge.dsr.strategies import StrategyError
from pledge.store.database import StoreUnavailable

EXIT_INCOMPLETE = 3
F = TypeVar("F", bound=Callable[..., Any])
#: Errors that mean "refused or could not run, nothing half done": one sentence, exit 1.
REFUSALS = (
    ConnectorError,
    ErasureRefused,
    IdentityInvalid,
    ObjectionRefused,
    RectificationRefused,
    ReplayImpossible,
    RestrictionRefused,
    StoreUnavailable,
    StrategyError,
)


def register(main: click.Group) -> None:
    """Add this module's commands to ``pledge``."""
    for command in (erase_command, erasure, rectify_command, restriction, object_command):
        main.add_command(command)


def _who(kwargs: dict[str, Any]) -> list[Identity]:
    others = kwargs.pop("others")
    given = {k: kwargs.pop(k) for k in ("email", "phone", "customer_id", "account_number")}
    try:
        return parse(identity_pairs(given, others))
    except IdentityInvalid as exc:
        raise click.UsageError(str(exc)) from None


def _refusing(run: Callable[[], None]) -> None:
    try:
        run()
    except REFUSALS as exc:
        raise click.ClickException(str(exc)) from None


@click.command("erase")
@identity_options
@click.option("--yes", is_flag=True, help="Erase without asking (the person is verified).")
@click.option("--request", "request_id", help="The request this erasure answers.")
@click.option("--json", "as_json", is_flag=True, help="Print the certificate as JSON.")
@pass_app
def erase_command(app: App, /, yes: bool, request_id: str | None, as_json: bool, **kw: Any) -> None:
    """Erase a person everywhere the declaration reaches, then print the erasure certificate."""
    identities = _who(kw)
    loaded = app.load()
    if not yes:
        shown = ", ".join(str(i) for i in identities)
        click.confirm(f"Erase everything held about {shown}? This cannot be undone", abort=True)

    def run() -> None:
        try:
            result = erase(loaded, identities, settings=app.settings, request_id=request_id)
        except ErasureIncomplete as exc:
            click.echo(exc.result.text(), err=True)
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INCOMPLETE)
        click.echo(json.dumps(result.certificate(), indent=2) if as_json else result.text())

    _refusing(run)


@click.group()
def erasure() -> None:
    """The erasure ledger: re-apply past erasures after a restore."""


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

    _refusing(run)


@click.command("rectify")
@identity_options
@click.option(
    "--set",
    "changes",
    multiple=True,
    required=True,
    metavar="SYSTEM.DATASET.FIELD=VALUE",
    help="A corrected value; repeat for several fields.",
)
@click.option("--request", "request_id", help="The request this answers.")
@pass_app
def rectify_command(
    app: App, /, changes: tuple[str, ...], request_id: str | None, **kw: Any
) -> None:
    """Correct declared fields on the person's rows (values checked against the columns)."""
    identities = _who(kw)
    wanted: dict[str, str] = {}
    for text in changes:
        name, sep, value = text.partition("=")
        if not sep:
            raise click.UsageError(f"--set takes SYSTEM.DATASET.FIELD=VALUE, not '{text}'")
        wanted[name.strip()] = value
    loaded = app.load()

    def run() -> None:
        for done in rectify(
            loaded, identities, wanted, settings=app.settings, request_id=request_id
        ):
            click.echo(f"{done.system}.{done.dataset}.{done.field}: {done.rows} row(s) corrected")

    _refusing(run)


@click.group()
def restriction() -> None:
    """Restrict processing of a person's data, or lift a restriction."""


@restriction.command("set")
@identity_options
@click.option("--reason", default="the person asked for processing to be restricted")
@pass_app
def restriction_set(app: App, /, reason: str, **kw: Any) -> None:
    """Flag the person's rows (or record them in Pledge's register) as restricted."""
    identities = _who(kw)
    loaded = app.load()

    def run() -> None:
        result = restrict(loaded, identities, settings=app.settings, reason=reason)
        for dotted, rows in result.flagged.items():
            click.echo(f"{dotted}: {rows} row(s) flagged")
        for dotted in result.registered:
            click.echo(f"{dotted}: recorded in Pledge's restriction register")
        if result.recipients:
            click.echo("tell these recipients (Art. 19): " + ", ".join(result.recipients))

    _refusing(run)


@restriction.command("lift")
@identity_options
@click.option(
    "--told-at",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
    help="When the person was told the restriction would be lifted (required, UTC).",
)
@click.option("--by", "lifted_by", required=True, help="Who lifts it.")
@pass_app
def restriction_lift(app: App, /, told_at: datetime | None, lifted_by: str, **kw: Any) -> None:
    """Lift a restriction the person asked for; they must have been told first."""
    identities = _who(kw)
    loaded = app.load()
    told = told_at.replace(tzinfo=UTC) if told_at is not None else None

    def run() -> None:
        result = lift_restriction(
            loaded, identities, settings=app.settings, told_at=told, lifted_by=lifted_by
        )
        click.echo(f"restriction lifted; flags cleared on {sum(result.flagged.values())} row(s)")

    _refusing(run)


@click.command("object")
@identity_options
@click.option("--to", "kind", type=click.Choice(["direct-marketing", "processing"]), required=True)
@click.option("--purpose", help="The declared purpose objected to (for --to processing).")
@click.option("--channel", "channels", multiple=True, help="Marketing channel; default all.")
@click.option("--grounds", help="The person's reasons, in their words.")
@pass_app
def object_command(
    app: App,
    /,
    kind: str,
    purpose: str | None,
    channels: tuple[str, ...],
    grounds: str | None,
    **kw: Any,
) -> None:
    """Record an objection: to marketing at once; to other processing for the DPO to decide."""
    identities = _who(kw)
    loaded = app.load()

    def run() -> None:
        row = object_to(
            loaded,
            identities,
            settings=app.settings,
            to=cast(Kind, kind),
            purpose=purpose,
            channels=channels,
            grounds=grounds,
        )
        if row.due_on is None:
            click.echo(f"objection to direct marketing recorded ({', '.join(row.channels)})")
        else:
            click.echo(f"objection recorded for the DPO; decision due {row.due_on:%d %B %Y}")

    _refusing(run)
