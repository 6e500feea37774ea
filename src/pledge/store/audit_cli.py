"""``pledge audit``: prove the ledgers and the audit log are as they were written.

``head`` prints where each hash chain ends; keep its output outside the store (a ticket, a
signed email, a WORM bucket). ``verify`` walks every chain and, given such a file with
``--against``, proves nothing up to those heads changed since.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa

from pledge.store.chain import CHAINED, Head, heads, verify
from pledge.store.database import StoreUnavailable, make_engine, resolve_database_url, shown

if TYPE_CHECKING:
    from pledge.cli import App

EXIT_INVALID, EXIT_UNREADABLE = 1, 2
_HASH = re.compile(r"[0-9a-f]{64}")


class HeadsUnreadable(ValueError):
    """A heads file that cannot be read; the message names the file and line."""


def read_heads(path: Path) -> dict[str, Head]:
    """The heads recorded in a file written by ``pledge audit head``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HeadsUnreadable(f"{path}: cannot read the heads file ({exc})") from None
    found: dict[str, Head] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split()
        where = f"{path}:{number}"
        if len(fields) != 4:
            raise HeadsUnreadable(f"{where}: expected TABLE ENTRIES LAST-ID HASH, got {line!r}")
        table, entries, last_id, row_hash = fields
        if table not in CHAINED:
            raise HeadsUnreadable(f"{where}: {table!r} is not a chained table")
        if not entries.isdigit() or not (last_id == "-" or last_id.isdigit()):
            raise HeadsUnreadable(f"{where}: entries and last id must be whole numbers")
        if not _HASH.fullmatch(row_hash):
            raise HeadsUnreadable(f"{where}: the hash must be 64 hex characters")
        found[table] = Head(table, int(entries), None if last_id == "-" else int(last_id), row_hash)
    if not found:
        raise HeadsUnreadable(f"{path}: no heads in the file")
    return found


def _connect(app: App) -> sa.Engine:
    engine = make_engine(app.settings)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("chain_head"):
                raise click.ClickException(
                    f"Pledge's store at {shown(resolve_database_url(app.settings))} has no hash "
                    "chains yet; run `pledge db upgrade`"
                )
    except StoreUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    return engine


@click.group()
def audit() -> None:
    """Verify the ledgers and the audit log; print their chain heads."""


@audit.command("head")
@click.pass_obj
def head_command(app: App) -> None:
    """Print where each chain ends, for safekeeping outside the store."""
    engine = _connect(app)
    try:
        with engine.connect() as connection:
            found = heads(connection)
    finally:
        engine.dispose()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    click.echo(f"# pledge audit heads, {now}, {shown(resolve_database_url(app.settings))}")
    click.echo("# table\tentries\tlast-id\tsha256")
    for one in found:
        click.echo(one.line())


@audit.command("verify")
@click.option(
    "--against",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A file written by `pledge audit head`: prove nothing up to those heads changed.",
)
@click.pass_obj
def verify_command(app: App, against: Path | None) -> None:
    """Check every chain from its first entry (exit 0 intact, 1 a fault, 2 bad heads file)."""
    try:
        earlier = read_heads(against) if against is not None else None
    except HeadsUnreadable as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_UNREADABLE)
    engine = _connect(app)
    try:
        with engine.connect() as connection:
            faults = verify(connection, earlier)
            found = heads(connection)
    finally:
        engine.dispose()
    for fault in faults:
        click.echo(f"FAULT {fault}", err=True)
    if faults:
        click.echo(f"{len(faults)} chain(s) do not hold; the first bad entry of each is above")
        sys.exit(EXIT_INVALID)
    for one in found:
        click.echo(f"{one.table}: {one.entries} entries, intact")
    since = f", and each passes through the heads in {against}" if against is not None else ""
    click.echo(f"all {len(found)} chains hold{since}")


def register(group: click.Group) -> None:
    """Add ``pledge audit`` to the ``pledge`` command."""
    group.add_command(audit)
