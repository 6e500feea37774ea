"""``pledge retention hold``: place, list and lift legal holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from pledge.retention.context import moment, store
from pledge.retention.report import describe_hold
from pledge.subjects import holds
from pledge.subjects.holds import HoldError

if TYPE_CHECKING:
    from pledge.cli import App


@click.group("hold")
def hold() -> None:
    """Legal holds: rows of a held subject or dataset are never swept."""


@hold.command("add")
@click.option("--subject", help="The held subject as KIND=VALUE, e.g. customer_id=1042.")
@click.option("--dataset", help="Hold a whole dataset, e.g. network.cdr.")
@click.option("--reason", required=True, help="Why (dispute, investigation, claim reference).")
@click.option("--by", "by", required=True, help="Who sets the hold.")
@click.option("--until", help="Expiry date, e.g. 2027-06-30 (default: until released).")
@click.pass_obj
def hold_add(
    app: App, subject: str | None, dataset: str | None, reason: str, by: str, until: str | None
) -> None:
    """Place a legal hold on a subject or a dataset."""
    loaded = app.load()
    identity, value = None, None
    if subject is not None:
        identity, sep, value = subject.partition("=")
        if not sep:
            raise click.BadParameter("write the subject as KIND=VALUE", param_hint="--subject")
    if dataset is not None and loaded.declaration.dataset(dataset) is None:
        raise click.BadParameter(f"{dataset} is not a declared dataset", param_hint="--dataset")
    with store(app, loaded) as engine:
        try:
            placed = holds.place(
                engine,
                reason=reason,
                set_by=by,
                dataset=dataset,
                identity=identity,
                value=value,
                expires_at=moment(until) if until else None,
            )
        except HoldError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"placed {describe_hold(placed)}")


@hold.command("list")
@click.option("--all", "everything", is_flag=True, help="Include released holds.")
@click.pass_obj
def hold_list(app: App, everything: bool) -> None:
    """List holds not released; expired ones are marked."""
    loaded = app.load()
    now = datetime.now(UTC)
    with store(app, loaded) as engine:
        found = holds.listed(engine, include_released=everything)
    if not found:
        click.echo("no legal holds")
    for item in found:
        click.echo(f"{describe_hold(item)}{'' if item.active(now) else ' [expired]'}")


@hold.command("release")
@click.argument("hold_id", type=int)
@click.option("--by", "by", required=True, help="Who lifts the hold.")
@click.pass_obj
def hold_release(app: App, hold_id: int, by: str) -> None:
    """Lift hold HOLD_ID; the next run may sweep what it kept."""
    loaded = app.load()
    with store(app, loaded) as engine:
        try:
            released = holds.release(engine, hold_id, released_by=by)
        except HoldError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"released {describe_hold(released)}")
