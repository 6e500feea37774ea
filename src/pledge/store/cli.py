"""``pledge db``: create, migrate and inspect Pledge's own store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click
from alembic.util import CommandError

from pledge.store.database import StoreUnavailable, resolve_database_url, shown
from pledge.store.migrate import current, downgrade, head, new_migration, upgrade

if TYPE_CHECKING:
    from pledge.cli import App

# Commands take the App with ``click.pass_obj`` rather than ``pledge.cli.pass_app``: importing
# pledge.cli at run time would make the two modules import each other.


@contextmanager
def _plainly() -> Iterator[None]:
    """Turn the store's expected failures into one line and exit status 1."""
    try:
        yield
    except (StoreUnavailable, CommandError) as exc:
        raise click.ClickException(str(exc)) from None


def _where(app: App) -> str:
    return shown(resolve_database_url(app.settings))


def _report(app: App) -> None:
    revision, latest = current(app.settings), head()
    if revision is None:
        state = "empty (run `pledge db upgrade` to create its tables)"
    elif revision == latest:
        state = f"at revision {revision} (the latest)"
    else:
        state = f"at revision {revision} (the latest is {latest}; run `pledge db upgrade`)"
    click.echo(f"Pledge's store at {_where(app)} is {state}")


@click.group()
def db() -> None:
    """Create, migrate and inspect Pledge's own store."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Revision to migrate to.")
@click.pass_obj
def upgrade_command(app: App, revision: str) -> None:
    """Create the store or migrate it up to date."""
    with _plainly():
        upgrade(app.settings, revision)
        _report(app)


@db.command("downgrade")
@click.argument("revision")
@click.pass_obj
def downgrade_command(app: App, revision: str) -> None:
    """Migrate the store down to REVISION ("base" drops all of it)."""
    with _plainly():
        downgrade(app.settings, revision)
        _report(app)


@db.command("current")
@click.pass_obj
def current_command(app: App) -> None:
    """Show the store's revision and whether it is the latest."""
    with _plainly():
        _report(app)


@db.command("revision")
@click.argument("message")
@click.option("--empty", is_flag=True, help="Write an empty migration to fill in by hand.")
def revision_command(message: str, empty: bool) -> None:
    """Write the next migration (for Pledge developers).

    Compares the models with the latest migration. Needs a source checkout: the file lands
    in src/pledge/store/migrations/versions.
    """
    with _plainly():
        path = new_migration(message, autogenerate=not empty)
    click.echo(f"wrote {path}; read it, then run the store tests")
