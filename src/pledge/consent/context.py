"""What the consent commands share: the declaration's marketing settings, the store, the
hasher, and one plain sentence for every expected failure."""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.consent.audience import AudienceError
from pledge.consent.ledger import ALL
from pledge.consent.optout import Routing
from pledge.consent.propagation import NotPending
from pledge.consent.registers import RegisterStale
from pledge.consent.suppression import ResubscribeRefused
from pledge.consent.tokens import TokenInvalid
from pledge.declaration import Declaration, Loaded
from pledge.store import StoreUnavailable, make_engine
from pledge.store.database import session_factory
from pledge.store.keycheck import check_key
from pledge.subjects.hashing import Hasher, HashKeyMissing
from pledge.subjects.identity import IdentityInvalid

if TYPE_CHECKING:
    from pledge.cli import App

EXPECTED = (
    AudienceError,
    HashKeyMissing,
    IdentityInvalid,
    NotPending,
    RegisterStale,
    ResubscribeRefused,
    StoreUnavailable,
    TokenInvalid,
)


#: The ``--kind`` option the commands share.
KIND = click.option(
    "--kind",
    type=click.Choice(["email", "phone", "customer_id"]),
    help="Default: email with an @, customer_id for post, phone otherwise.",
)


def actor() -> str:
    """Who runs the command, as the ledger records it: user@host."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


def kind_of(identifier: str, channel: str | None = None) -> str:
    """email when the identifier has an @; a customer id for post (matched on the audience's
    id column); phone otherwise."""
    if "@" in identifier:
        return "email"
    return "customer_id" if channel == "post" else "phone"


@dataclass
class Marketing:
    """The loaded declaration, the store and the hasher, for one command."""

    loaded: Loaded
    engine: Engine
    hasher: Hasher

    @property
    def declaration(self) -> Declaration:
        """The declaration the command runs under."""
        return self.loaded.declaration

    def routing(self, purpose: str) -> Routing:
        """Where a withdrawal for ``purpose`` must reach, and the declared window."""
        purposes = self.declaration.purposes
        # "*" (all marketing) reaches every consent-based purpose's systems and recipients.
        chosen = [purposes[purpose]] if purpose in purposes else []
        if purpose == ALL:
            chosen = [p for p in purposes.values() if p.lawful_basis == "consent"]
        systems = {dataset.split(".")[0] for p in chosen for dataset in p.datasets}
        systems |= {recipient for p in chosen for recipient in p.recipients}
        marketing = self.declaration.marketing
        start = datetime(2000, 1, 1)
        window = marketing.honour_opt_out_within.after(start) - start if marketing else None
        return Routing(sorted(systems), window or timedelta(days=28))

    def check(self, purpose: str, channel: str, stream: str) -> None:
        """Refuse a purpose, channel or stream the declaration does not declare."""
        declared = self.declaration
        if purpose != ALL and purpose not in declared.purposes:
            names = ", ".join(declared.purposes) or "none"
            raise click.BadParameter(f"no purpose '{purpose}' (purposes: {names})")
        marketing = declared.marketing
        if marketing is None:
            return
        if channel != ALL and marketing.channels and channel not in marketing.channels:
            raise click.BadParameter(
                f"channel '{channel}' is not declared (channels: {', '.join(marketing.channels)})"
            )
        if stream != ALL and marketing.streams and stream not in marketing.streams:
            raise click.BadParameter(
                f"stream '{stream}' is not declared (streams: {', '.join(marketing.streams)})"
            )


@contextmanager
def plainly() -> Iterator[None]:
    """Turn the expected failures into one line and exit status 1."""
    try:
        yield
    except EXPECTED as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def marketing(app: App, *, needs_key: bool = True) -> Iterator[Marketing]:
    """The declaration, the store (migrated) and the hasher, or a clear error."""
    loaded = app.load()
    with plainly():
        hasher = Hasher.from_settings(app.settings) if needs_key else Hasher(b"")
        engine = make_engine(app.settings, loaded.folder)
        try:
            if not sa.inspect(engine).has_table("hash_key_check"):
                raise click.ClickException(
                    "Pledge's store is not up to date for consent: run `pledge db upgrade` first"
                )
            if needs_key:
                with session_factory(engine).begin() as session:
                    check_key(session, hasher.key)
            yield Marketing(loaded, engine, hasher)
        finally:
            engine.dispose()
