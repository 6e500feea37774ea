"""``pledge suppress``, ``pledge consent resubscribe`` and ``pledge consent unsubscribe-headers``:
onto the suppression list, off it, and the one-click link that puts people on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from pledge.consent import suppression
from pledge.consent.context import KIND, actor, kind_of, marketing, plainly
from pledge.consent.ledger import ALL, Change
from pledge.consent.tokens import UnsubscribeToken, headers
from pledge.store.database import session_factory
from pledge.subjects.identity import normalise

if TYPE_CHECKING:
    from pledge.cli import App


@click.command("suppress")
@click.argument("identifier")
@KIND
@click.option(
    "--reason", type=click.Choice(suppression.REASONS), default="opt-out", show_default=True
)
@click.pass_obj
def suppress_command(app: App, identifier: str, kind: str | None, reason: str) -> None:
    """Put IDENTIFIER on the suppression list (only its keyed hash is kept)."""
    with marketing(app) as m, plainly(), session_factory(m.engine).begin() as session:
        suppression.suppress(
            session,
            m.hasher,
            kind or kind_of(identifier),
            identifier,
            reason=reason,
            source="cli",
            actor=actor(),
        )
    click.echo(f"suppressed ({reason}); only a keyed hash of the identifier is stored")


@click.command("resubscribe")
@click.argument("identifier")
@KIND
@click.option(
    "--requested-from",
    required=True,
    help="The address or number the request came from; it must be IDENTIFIER itself.",
)
@click.option("--purpose", required=True, help="A declared purpose.")
@click.option("--channel", type=click.Choice(["email", "sms", "phone", "post"]), required=True)
@click.option("--stream", default=ALL, show_default=True)
@click.option("--source", default="web-form", show_default=True, help="How the request came.")
@click.pass_obj
def resubscribe_command(
    app: App,
    identifier: str,
    kind: str | None,
    requested_from: str,
    purpose: str,
    channel: str,
    stream: str,
    source: str,
) -> None:
    """Lift IDENTIFIER's suppression and record a grant: only on its own request."""
    kind = kind or kind_of(identifier, channel)
    grant = Change(
        kind, identifier, "grant", purpose, channel, stream, "consent", source=source, actor=actor()
    )
    with marketing(app) as m, plainly():
        m.check(purpose, channel, stream)
        with session_factory(m.engine).begin() as session:
            event = suppression.resubscribe(
                session, m.hasher, grant, requested_from=(kind, requested_from)
            )
    click.echo(f"re-subscribed: event {event.id}, grant {purpose}/{channel}/{stream}")


@click.command("unsubscribe-headers")
@click.argument("email")
@click.option("--purpose", required=True, help="The list: a declared purpose.")
@click.option("--stream", default=ALL, show_default=True)
@click.option("--base-url", required=True, help="Where Pledge's unsubscribe endpoint is served.")
@click.pass_obj
def headers_command(app: App, email: str, purpose: str, stream: str, base_url: str) -> None:
    """Print the one-click unsubscribe headers (RFC 8058) for a message to EMAIL."""
    with marketing(app) as m, plainly():
        m.check(purpose, "email", stream)
        identity_hash = m.hasher.hash("email", normalise("email", email))
    token = UnsubscribeToken(identity_hash, "email", purpose, "email", stream)
    for name, value in headers(m.hasher, token, base_url).items():
        click.echo(f"{name}: {value}")
