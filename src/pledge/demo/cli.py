"""``pledge demo`` and ``pledge demo generate``: the demo company, Northwold Telecom.

``pledge demo`` is the first thing a new user runs: it makes a small estate on SQLite in
./northwold (or reuses the one already there), checks its declaration and says what to try
next. ``pledge demo generate`` makes estates of any size, on SQLite or on real servers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import date, datetime
from pathlib import Path

import click

from pledge.connectors.urls import hide_password
from pledge.declaration import DeclarationInvalid, DeclarationUnreadable, load_file, summarise
from pledge.demo.estate import Estate, EstateExists, generate, read_marker
from pledge.demo.load import TargetUnreachable
from pledge.demo.rows import Plan
from pledge.demo.targets import ENV, Targets

DEFAULT_FOLDER = Path("northwold")
SMALL = 2_000
#: Phone numbers and emails are drawn without repeats up to this many customers.
MOST = 500_000


def register(group: click.Group) -> None:
    """Add ``pledge demo`` to the ``pledge`` command."""
    group.add_command(demo)


@contextmanager
def _bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    with click.progressbar(length=max(total, 1), label=label, show_pos=True) as bar:
        yield bar.update


def _targets(values: tuple[str, ...]) -> Targets:
    found: dict[str, str] = {}
    for value in values:
        engine, sep, url = value.partition("=")
        engine = {"postgresql": "postgres", "mysql": "mariadb"}.get(engine, engine)
        if not sep or engine not in ("postgres", "mariadb") or not url:
            raise click.BadParameter(
                f"'{value}' should be postgres=URL or mariadb=URL", param_hint="--target"
            )
        if engine in found:
            raise click.BadParameter(f"{engine} is given twice", param_hint="--target")
        found[engine] = url
    return Targets(postgres=found.get("postgres"), mariadb=found.get("mariadb"))


def _make(plan: Plan, out: Path, targets: Targets, force: bool) -> Estate:
    try:
        return generate(plan, out, targets=targets, force=force, progress=_bar)
    except (EstateExists, TargetUnreachable) as exc:
        raise click.ClickException(f"{exc}; nothing was written") from None


def _report(folder: Path) -> None:
    """Validate the estate's declaration the way ``pledge check`` does, and summarise it."""
    path = folder / "pledge.yaml"
    try:
        loaded = load_file(path)
    except (DeclarationInvalid, DeclarationUnreadable) as exc:
        raise click.ClickException(f"the demo declaration did not validate: {exc}") from None
    for warning in loaded.warnings:
        click.echo(str(warning), err=True)
    click.echo(f"{path}: valid declaration for {loaded.declaration.controller.name}")
    for line in summarise(loaded.declaration).lines():
        click.echo(line)


def _someone(folder: Path) -> str:
    """A real customer's email from a SQLite CRM, to make the suggested commands concrete."""
    try:
        with closing(sqlite3.connect(f"file:{folder / 'crm.sqlite'}?mode=ro", uri=True)) as crm:
            row = crm.execute("SELECT email FROM customer ORDER BY id LIMIT 1").fetchone()
    except sqlite3.Error:
        row = None
    return str(row[0]) if row else "<a customer's email>"


def _next_steps(folder: Path, placement: dict[str, str], targets: Targets) -> None:
    here = Path.cwd()
    shown = folder.relative_to(here) if folder.is_relative_to(here) else folder
    click.echo("\nTry next:")
    for engine in sorted({e for e in placement.values() if e != "sqlite"}):
        url = hide_password(targets.url(engine))
        click.echo(f"  export {ENV[engine]}='{url}'   # with the real password, if any")
    click.echo(f"  cd {shown}")
    click.echo("  pledge check                  # the declaration, validated and summarised")
    click.echo(f"  pledge plan --email {_someone(folder)}   # what a request would read")
    click.echo("  pledge notice --format md     # the privacy notice the declaration makes")
    click.echo("  pledge db upgrade && pledge retention plan   # what has outlived its rule")
    if placement.get("crm") == "sqlite":
        click.echo("  sqlite3 crm.sqlite 'select * from customer limit 5'")


@click.group(invoke_without_command=True)
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Northwold Telecom, a fictional UK telecom: databases and their declaration.

    Without a sub-command: make a small estate on SQLite in ./northwold (or reuse the one
    there), check its declaration and show what to try next.
    """
    if ctx.invoked_subcommand is not None:
        return
    folder = DEFAULT_FOLDER.absolute()
    marker = read_marker(folder)
    if marker is None:
        plan = Plan(seed=1, customers=SMALL, as_of=date.today())
        estate = _make(plan, folder, Targets(), force=False)
        made = f"{estate.rows:,} rows in {len(estate.placement)} systems"
        click.echo(f"Made Northwold Telecom in {folder}: {made}.")
        placement = estate.placement
    else:
        click.echo(
            f"Using the estate already in {folder} (seed {marker.get('seed')}, "
            f"{marker.get('customers', 0):,} customers, as of {marker.get('as_of')}); "
            "`pledge demo generate --force` makes a new one."
        )
        placement = dict(marker.get("placement", {}))
    _report(folder)
    _next_steps(folder, placement, Targets())


@demo.command("generate")
@click.option(
    "--customers",
    type=click.IntRange(1, MOST),
    default=SMALL,
    show_default=True,
    help="How many customers; about 100 call records each.",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="Same seed, size and --as-of: same data."
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The day the estate is 'now' (default: today).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_FOLDER,
    show_default=True,
    help="Folder for pledge.yaml, SQLite files and recordings.",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ENGINE=URL",
    help="Put systems on a server: postgres=URL and/or mariadb=URL. With both, "
    "contact_centre, marketing and hr go to MariaDB, the rest to PostgreSQL.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an estate already in --out, and same-named tables on servers.",
)
def generate_command(
    customers: int,
    seed: int,
    as_of: datetime | None,
    out: Path,
    targets: tuple[str, ...],
    force: bool,
) -> None:
    """Generate the Northwold estate and its pledge.yaml (deterministic from --seed)."""
    day = as_of.date() if as_of is not None else date.today()
    plan = Plan(seed=seed, customers=customers, as_of=day)
    chosen = _targets(targets)
    estate = _make(plan, out, chosen, force)
    width = max(len(name) for name in estate.counts)
    for name, count in estate.counts.items():
        click.echo(f"  {name:<{width}} {count:>12,}")
    where = ", ".join(f"{s}: {e}" for s, e in estate.placement.items())
    seconds = estate.timings.get("total", 0.0)
    click.echo(f"{estate.rows:,} rows in {seconds:.1f} s ({where})")
    _report(estate.folder)
    _next_steps(estate.folder, estate.placement, chosen)
