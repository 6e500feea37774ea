"""Commands for the rights beside erasure: ``pledge rectify``, ``pledge restriction set|lift``
registered with the erasure commands (:mod:`pledge.dsr.erasure_cli`).

They act at once, for the demo and for a DPO who has already verified the person; the request
register reaches the same service functions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from pledge.cli import App, pass_app
from pledge.dsr.erasure_cli import refusing, who
from pledge.dsr.options import changes_option
from pledge.dsr.plan_cli import identity_options
from pledge.dsr.rectify import rectify
from pledge.dsr.restrict import lift_restriction, restrict


@click.command("rectify")
@identity_options
@changes_option
@click.option("--request", "request_id", help="The request this answers.")
@pass_app
def rectify_command(
    app: App, /, changes: tuple[str, ...], request_id: str | None, **kw: Any
) -> None:
    """Correct declared fields on the person's rows (values checked against the columns)."""
    identities = who(kw)
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

    refusing(run)


@click.group()
def restriction() -> None:
    """Restrict processing of a person's data, or lift a restriction."""


@restriction.command("set")
@identity_options
@click.option("--reason", default="the person asked for processing to be restricted")
@pass_app
def restriction_set(app: App, /, reason: str, **kw: Any) -> None:
    """Flag the person's rows (or record them in Pledge's register) as restricted."""
    identities = who(kw)
    loaded = app.load()

    def run() -> None:
        result = restrict(loaded, identities, settings=app.settings, reason=reason)
        for dotted, rows in result.flagged.items():
            click.echo(f"{dotted}: {rows} row(s) flagged")
        for dotted in result.registered:
            click.echo(f"{dotted}: recorded in Pledge's restriction register")
        if result.recipients:
            click.echo("tell these recipients (Art. 19): " + ", ".join(result.recipients))

    refusing(run)


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
    identities = who(kw)
    loaded = app.load()
    told = told_at.replace(tzinfo=UTC) if told_at is not None else None

    def run() -> None:
        result = lift_restriction(
            loaded, identities, settings=app.settings, told_at=told, lifted_by=lifted_by
        )
        click.echo(f"restriction lifted; flags cleared on {sum(result.flagged.values())} row(s)")

    refusing(run)
