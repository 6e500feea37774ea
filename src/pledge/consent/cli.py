"""``pledge consent`` and ``pledge suppress``: record and read consent, follow opt-outs."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import click

from pledge.consent import ledger, propagation, requests, suppression
from pledge.consent.context import KIND, actor, kind_of, marketing, plainly
from pledge.consent.decide import decide
from pledge.consent.ledger import ALL, Change, record
from pledge.consent.optout import object_to_marketing
from pledge.consent.screen_cli import screen_command, tps
from pledge.consent.suppression_cli import (
    headers_command,
    resubscribe_command,
    suppress_command,
)
from pledge.rules.consent import Channel, SoftOptIn
from pledge.store.database import session_factory
from pledge.subjects.identity import normalise

if TYPE_CHECKING:
    from pledge.cli import App

# Commands take the App with ``click.pass_obj``: importing pledge.cli here would be circular.

CHANNELS = click.Choice(["email", "sms", "phone", "post", "social", "online-advertising"])


@click.group()
def consent() -> None:
    """Record consent and opt-outs in the append-only ledger, and read them back."""


@consent.command("grant")
@click.argument("identifier")
@KIND
@click.option("--purpose", required=True, help="A declared purpose.")
@click.option("--channel", type=CHANNELS, required=True)
@click.option("--stream", default=ALL, show_default=True, help="A declared stream, or * for all.")
@click.option(
    "--basis",
    type=click.Choice(["consent", "soft-opt-in", "specific-agreement"]),
    default="consent",
    show_default=True,
    help="specific-agreement: a phone grant that lifts TPS/CTPS (PECR reg. 21).",
)
@click.option("--in-sale", is_flag=True, help="Soft opt-in: details obtained in a sale.")
@click.option("--similar", is_flag=True, help="Soft opt-in: similar products and services.")
@click.option("--refusal-offered", is_flag=True, help="Soft opt-in: a chance to refuse given.")
@click.option("--source", default="cli", show_default=True, help="web-form, call, import, ...")
@click.option("--notice-version", help="The notice version shown when consent was given.")
@click.option("--wording", help="The wording the person agreed to.")
@click.pass_obj
def grant_command(
    app: App,
    identifier: str,
    kind: str | None,
    purpose: str,
    channel: str,
    stream: str,
    basis: str,
    in_sale: bool,
    similar: bool,
    refusal_offered: bool,
    source: str,
    notice_version: str | None,
    wording: str | None,
) -> None:
    """Record that IDENTIFIER (an email address or phone number) agreed to marketing."""
    soft = SoftOptIn(in_sale, similar, refusal_offered) if basis == "soft-opt-in" else None
    evidence = {
        k: v for k, v in {"notice_version": notice_version, "wording": wording}.items() if v
    }
    change = Change(
        kind or kind_of(identifier, channel),
        identifier,
        "grant",
        purpose,
        channel,
        stream,
        basis,
        soft,
        source,
        evidence,
        actor(),
    )
    with marketing(app) as m, plainly():
        m.check(purpose, channel, stream)
        declared = m.declaration.marketing
        if soft is not None and declared is not None and not declared.soft_opt_in:
            # The notice tells people which basis is used; a grant on another would not match it.
            raise click.BadParameter(
                "the declaration does not use the soft opt-in (marketing.soft_opt_in is false)",
                param_hint="--basis",
            )
        with session_factory(m.engine).begin() as session:
            event = record(session, m.hasher, change)
    click.echo(f"recorded event {event.id}: {change.kind} granted {purpose}/{channel}/{stream}")
    if soft is not None and not soft.valid:
        click.echo(f"warning: the soft opt-in does not hold (missing {', '.join(soft.missing())})")


@consent.command("withdraw")
@click.argument("identifier")
@KIND
@click.option("--purpose", default=ALL, show_default=True, help="A declared purpose, or *.")
@click.option("--channel", default=ALL, show_default=True, help="A channel, or *.")
@click.option("--stream", help="A declared stream, or * for all (the declaration may require one).")
@click.option("--object", "objects", is_flag=True, help="An objection to all direct marketing.")
@click.option("--source", default="cli", show_default=True)
@click.pass_obj
def withdraw_command(
    app: App,
    identifier: str,
    kind: str | None,
    purpose: str,
    channel: str,
    stream: str | None,
    objects: bool,
    source: str,
) -> None:
    """Record a withdrawal (or, with --object, an absolute objection and suppression)."""
    kind = kind or kind_of(identifier, channel)
    with marketing(app) as m, plainly():
        each = m.declaration.marketing is not None and m.declaration.marketing.opt_out_each_stream
        if stream is None and each and not objects:
            raise click.UsageError("the declaration makes opt-outs per stream: give --stream")
        stream = stream or ALL
        m.check(purpose, channel, stream)
        routing = m.routing(ALL if objects else purpose)
        with session_factory(m.engine).begin() as session:
            if objects:
                event = object_to_marketing(
                    session,
                    m.hasher,
                    kind,
                    identifier,
                    source=source,
                    actor=actor(),
                    routing=routing,
                )
            else:
                change = Change(
                    kind,
                    identifier,
                    "withdraw",
                    purpose,
                    channel,
                    stream,
                    source=source,
                    actor=actor(),
                )
                event = record(
                    session,
                    m.hasher,
                    change,
                    systems=routing.systems,
                    honour_within=routing.honour_within,
                )
    click.echo(
        f"recorded event {event.id}: {event.action} {event.purpose}/{event.channel}/{event.stream}"
    )
    if routing.systems:
        due = event.at + routing.honour_within
        click.echo(f"to apply by {due:%Y-%m-%d} in: {', '.join(routing.systems)}")


@consent.command("show")
@click.argument("identifier")
@KIND
@click.option("--purpose", help="Also decide for this purpose ...")
@click.option("--channel", type=CHANNELS, help="... on this channel ...")
@click.option("--stream", help="... and stream.")
@click.pass_obj
def show_command(
    app: App,
    identifier: str,
    kind: str | None,
    purpose: str | None,
    channel: str | None,
    stream: str | None,
) -> None:
    """Show an identifier's consent history, suppression, and optionally a decision."""
    kind = kind or kind_of(identifier, channel)
    with marketing(app) as m, plainly(), session_factory(m.engine)() as session:
        requests.sync(session, actor())
        session.commit()
        identity_hash = m.hasher.hash(kind, normalise(kind, identifier))
        events = ledger.history(session, identity_hash)
        for event in events:
            detail = f" ({event.basis})" if event.basis else ""
            click.echo(
                f"{event.at:%Y-%m-%d %H:%M} #{event.id} {event.action}{detail} "
                f"{event.purpose}/{event.channel}/{event.stream} via {event.source}"
            )
        if not events:
            click.echo("no consent events recorded")
        reasons = suppression.active(session, identity_hash)
        click.echo(f"suppressed: {', '.join(sorted(reasons))}" if reasons else "not suppressed")
        if purpose and channel:
            chosen = cast(Channel, channel)
            decision = decide(
                session, m.hasher, kind, identifier, purpose=purpose, channel=chosen, stream=stream
            )
            verdict = "allowed" if decision.allowed else "refused"
            click.echo(
                f"{channel} for {purpose}: {verdict} ({decision.reason}): {decision.explanation}"
            )


@consent.command("pending")
@click.pass_obj
def pending_command(app: App) -> None:
    """List withdrawals not yet confirmed as applied by each downstream system."""
    with marketing(app, needs_key=False) as m, session_factory(m.engine)() as session:
        items = propagation.pending(session)
    for item in items:
        event = item.event
        click.echo(
            f"{'OVERDUE ' if item.overdue else ''}{item.system}: event {event.id} {event.action} "
            f"{event.purpose}/{event.channel}/{event.stream}, due {item.deadline:%Y-%m-%d}"
        )
    click.echo(f"{len(items)} pending")


@consent.command("confirm")
@click.argument("event_id", type=int)
@click.argument("system")
@click.pass_obj
def confirm_command(app: App, event_id: int, system: str) -> None:
    """Record that SYSTEM has applied the withdrawal EVENT_ID."""
    with (
        marketing(app, needs_key=False) as m,
        plainly(),
        session_factory(m.engine).begin() as session,
    ):
        propagation.confirm(session, event_id, system, actor())
    click.echo(f"confirmed: {system} applied event {event_id}")


def register(main: click.Group) -> None:
    """Add ``pledge consent``, ``pledge suppress``, ``pledge tps`` and ``pledge screen``."""
    consent.add_command(resubscribe_command)
    consent.add_command(headers_command)
    for command in (consent, suppress_command, tps, screen_command):
        main.add_command(command)
