"""Objection (Art. 21) as one service: the request's record (:mod:`pledge.dsr.objection`)
and, for direct marketing, the consent ledger and suppression list, in one transaction.

``pledge object`` lives here too: it is the one command that needs both capabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import click
from sqlalchemy.orm import Session

from pledge.cli import App, pass_app
from pledge.consent.optout import object_to_marketing
from pledge.declaration import Loaded
from pledge.dsr import objection
from pledge.dsr.erasure_cli import refusing, who
from pledge.dsr.plan_cli import identity_options
from pledge.settings import Settings
from pledge.store.erasure_tables import Objection
from pledge.subjects.hashing import Hasher
from pledge.subjects.identity import Identity


def tell_consent(
    session: Session, settings: Settings, identities: Sequence[Identity], actor: str
) -> None:
    """Hand a marketing objection to the consent capability: ledger event and suppression."""
    hasher = Hasher.from_settings(settings)
    for identity in identities:
        object_to_marketing(
            session, hasher, identity.kind, identity.value, source="request", actor=actor
        )


def object_to(loaded: Loaded, identities: Sequence[Identity], **kwargs: Any) -> Objection:
    """:func:`pledge.dsr.objection.object_to`, with marketing objections reaching consent."""
    return objection.object_to(loaded, identities, marketing=tell_consent, **kwargs)


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
    identities = who(kw)
    loaded = app.load()

    def run() -> None:
        row = object_to(
            loaded,
            identities,
            settings=app.settings,
            to=cast(objection.Kind, kind),
            purpose=purpose,
            channels=channels,
            grounds=grounds,
        )
        if row.due_on is None:
            click.echo(f"objection to direct marketing recorded ({', '.join(row.channels)})")
        else:
            click.echo(f"objection recorded for the DPO; decision due {row.due_on:%d %B %Y}")

    refusing(run)


def register(main: click.Group) -> None:
    main.add_command(object_command)
