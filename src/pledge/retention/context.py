"""What the retention commands share: the store, the systems, who is acting, dates and periods."""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click
from sqlalchemy.engine import Engine

from pledge.declaration import Duration, Loaded
from pledge.retention.reach import resolve
from pledge.retention.systems import Systems
from pledge.rules.retention import Hold
from pledge.store import StoreUnavailable, make_engine
from pledge.store.migrate import current, head
from pledge.subjects import holds

if TYPE_CHECKING:
    from pledge.cli import App

_SHORT = {"h": "hours", "d": "days", "w": "weeks"}


def actor() -> str:
    """Who runs the command, as the audit log records it: user@host."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


@contextmanager
def store(app: App, loaded: Loaded) -> Iterator[Engine]:
    """Pledge's store (holds and run history live there), refused plainly when behind."""
    try:
        if current(app.settings) != head():
            raise click.ClickException(
                "Pledge's store is missing or not up to date (holds and run history live "
                "there): run `pledge db upgrade` first"
            )
        engine = make_engine(app.settings, loaded.folder)
    except StoreUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield engine
    finally:
        engine.dispose()


def holds_in_force(app: App, loaded: Loaded, engine: Engine, now: datetime) -> list[Hold]:
    """Holds in force at ``now``, each subject found in the data as an access request would."""
    live = holds.in_force(engine, now)
    return resolve(loaded.declaration, live, environ=app.settings.environ, folder=loaded.folder)


def systems(app: App, loaded: Loaded) -> Systems:
    """The company's systems, opened on first use, as the connectors resolve them."""
    return Systems(loaded.declaration, environ=app.settings.environ, folder=loaded.folder)


def period(text: str) -> Duration:
    """A schedule period: "1 day", "12 hours", or short "1d", "12h", "1w"."""
    cleaned = text.strip().lower()
    if cleaned[:-1].isdigit() and cleaned[-1:] in _SHORT:
        cleaned = f"{cleaned[:-1]} {_SHORT[cleaned[-1]]}"
    try:
        return Duration.parse(cleaned)
    except ValueError as exc:
        raise click.BadParameter(f"{exc}; or short: 12h, 1d, 1w") from None


def moment(text: str | None) -> datetime:
    """A date or moment from the command line (UTC unless it says otherwise); None is now."""
    if text is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date; write it like 2027-01-31") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
