"""``pledge tps`` and ``pledge screen``: load the do-not-call registers, screen a campaign."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click
import duckdb

from pledge.consent import registers, requests
from pledge.consent.context import Marketing, actor, marketing, plainly
from pledge.consent.screen import STEPS, Campaign, Outcome
from pledge.consent.screening import refresh_and_screen
from pledge.consent.sources import CacheDiffers
from pledge.declaration.model import PhoneMarketing
from pledge.rules.consent import REFUSALS, Reason
from pledge.store.consent_tables import ScreeningRunRow
from pledge.store.database import session_factory
from pledge.store.private import private_folder, private_umask
from pledge.store.tables import utc_now

if TYPE_CHECKING:
    from pledge.cli import App

#: Reading the audience (while the screening cache is brought up to date) comes first.
FIRST = "starting"
#: The screening cache, beside the default store (PLEDGE_SCREEN_CACHE overrides).
CACHE_FILE = ".pledge/screening.duckdb"


@click.group()
def tps() -> None:
    """Load the TPS and CTPS do-not-call registers and see how fresh they are."""


@tps.command("load")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--register", type=click.Choice(registers.REGISTERS), default="tps", show_default=True
)
@click.option(
    "--change",
    is_flag=True,
    help="A daily change file: each line A (added) or D (removed) then the number.",
)
@click.option(
    "--max-malformed",
    type=click.FloatRange(0, 100),
    default=registers.MAX_MALFORMED * 100,
    show_default=True,
    help="Percent of the file's lines that may be malformed before the load is refused.",
)
@click.option(
    "--force",
    is_flag=True,
    help=f"Load a full file that shrinks the register by over {registers.MAX_SHRINK:.0%}.",
)
@click.option("--reason", help="Why --force is right; kept in the audit log.")
@click.pass_obj
def load_command(
    app: App,
    file: Path,
    register: str,
    change: bool,
    max_malformed: float,
    force: bool,
    reason: str | None,
) -> None:
    """Load a register FILE: fixed-width numbers, one per line (CRLF); a full file replaces.

    A file with no valid numbers, too many malformed lines, or (full files) that would take
    away more than a tenth of the register is refused and the register left as it was.
    """
    if force != bool(reason and reason.strip()):
        raise click.UsageError('--force and --reason "..." go together: say why it is right')
    kind = "change" if change else "full"
    allowance = registers.Allowance(malformed=max_malformed / 100, force_reason=reason)
    try:
        with marketing(app, needs_key=False) as m, session_factory(m.engine).begin() as session:
            row = registers.load(session, file, register, kind, actor(), allowance)
    except registers.RegisterFileRefused as exc:
        click.echo(f"error: {exc}", err=True)
        unreadable = isinstance(exc, registers.RegisterFileUnreadable)
        sys.exit(2 if unreadable else 1)
    click.echo(
        f"{register.upper()} {kind} file {file}: {row.added} added, {row.removed} removed, "
        f"{row.malformed} malformed line(s)"
    )
    for line, text in row.problems:
        click.echo(f"{file}:{line}: not a number line: {text!r}", err=True)
    if row.malformed > len(row.problems):
        click.echo(f"... and {row.malformed - len(row.problems)} more malformed lines", err=True)


@tps.command("status")
@click.pass_obj
def status_command(app: App) -> None:
    """When each register was last loaded, and whether a phone campaign may use it."""
    with marketing(app, needs_key=False) as m, session_factory(m.engine)() as session:
        loaded = registers.loaded_at(session)
    for name in registers.REGISTERS:
        at = loaded.get(name)
        click.echo(
            f"{name.upper()}: " + (f"loaded {at:%Y-%m-%d %H:%M} UTC" if at else "never loaded")
        )


@click.command("screen")
@click.argument("audience", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--channel", type=click.Choice(["phone", "email", "sms", "post"]), required=True)
@click.option("--purpose", required=True, help="The declared purpose of the campaign.")
@click.option("--stream", help="The declared stream (default: any; a withdrawal in either counts).")
@click.option("--carry", help="Other audience columns to carry through, comma-separated.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Output folder.")
@click.option("--override-reason", help="Screen a phone campaign against a stale register anyway.")
@click.option(
    "--rebuild-cache", is_flag=True, help="Copy every fact from the store again, not just changes."
)
@click.pass_obj
def screen_command(
    app: App,
    audience: Path,
    channel: str,
    purpose: str,
    stream: str | None,
    carry: str | None,
    out: Path | None,
    override_reason: str | None,
    rebuild_cache: bool,
) -> None:
    """Screen an AUDIENCE file (CSV or Parquet: id, email and/or phone) for a campaign.

    Writes AUDIENCE.allowed and AUDIENCE.excluded beside it (or in --out), each row with
    its reason code, and records the run in the store. The store's facts are kept in a
    screening cache (.pledge/screening.duckdb beside the declaration, or PLEDGE_SCREEN_CACHE),
    brought up to date and checked against the store before every screen.
    """
    _check_output_folder(out, audience)
    with marketing(app) as m, plainly():
        campaign = Campaign(channel, purpose, stream, _registers(m))
        m.check(purpose, channel, stream or "*")
        age = _register_age(m, channel, override_reason)
        with session_factory(m.engine).begin() as session:
            # Erasures and restrictions made through requests since the last screen.
            requests.sync(session, actor())
        connection = _open_cache(app.settings.screen_cache or m.loaded.folder / CACHE_FILE)
        try:
            with click.progressbar(length=len(STEPS), label=FIRST, file=sys.stderr) as bar:

                def step(name: str) -> None:
                    bar.label = name
                    bar.update(1)

                with m.engine.connect() as store:
                    try:
                        refreshed, outcome = refresh_and_screen(
                            store,
                            connection,
                            audience,
                            campaign,
                            m.hasher,
                            rebuild=rebuild_cache,
                            carry=[c.strip() for c in (carry or "").split(",") if c.strip()],
                            folder=out,
                            step=step,
                        )
                    except CacheDiffers as exc:
                        raise click.ClickException(str(exc)) from None
                    except duckdb.IOException as exc:
                        # The folder was checked; this is a disk full or a folder gone since.
                        detail = str(exc).splitlines()[0]
                        raise click.ClickException(
                            f"cannot write the screened lists: {detail}"
                        ) from None
            if refreshed.rebuilt and not rebuild_cache:
                differed = ", ".join(refreshed.rebuilt)
                click.echo(
                    f"screening cache: {differed} differed from the store; copied again",
                    err=True,
                )
        finally:
            connection.close()
        with session_factory(m.engine).begin() as session:
            session.add(
                ScreeningRunRow(
                    audience=str(audience),
                    purpose=purpose,
                    channel=channel,
                    stream=stream,
                    counts=outcome.counts,
                    register_age_days=age,
                    override_reason=override_reason,
                    actor=actor(),
                )
            )
    _summary(outcome)


def _check_output_folder(out: Path | None, audience: Path) -> None:
    """A clear error, before any work, when the lists cannot be written where they would go."""
    folder = out if out is not None else audience.parent
    if not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist"
        if out is None:
            return  # the audience itself is missing: reading it says so
        raise click.BadParameter(
            f"the output folder {folder} {problem}; create it, or leave out --out to write "
            "beside the audience",
            param_hint="--out",
        )
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise click.BadParameter(
            f"cannot write in {folder} ({reason}); choose a folder you can write to",
            param_hint="--out",
        ) from None


def _open_cache(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        private_folder(path.parent)
        with private_umask():
            connection = duckdb.connect(str(path))
        for made in (path, path.with_name(path.name + ".wal")):
            if made.exists():
                made.chmod(0o600)
        return connection
    except (OSError, duckdb.Error) as exc:
        # Most often another screen holds the file's lock.
        raise click.ClickException(f"cannot open the screening cache {path}: {exc}") from None


def _registers(m: Marketing) -> tuple[str, ...]:
    phone = m.declaration.marketing.phone if m.declaration.marketing else PhoneMarketing()
    chosen = (("tps", phone.screen_tps), ("ctps", phone.screen_ctps))
    return tuple(name for name, screened in chosen if screened)


def _register_age(m: Marketing, channel: str, override: str | None) -> int | None:
    """The registers' age in days; refused when stale unless an override reason is given."""
    if channel != "phone":
        return None
    needed = _registers(m)
    with session_factory(m.engine)() as session:
        try:
            return registers.check_fresh(session, needed)
        except registers.RegisterStale as exc:
            if not override:
                raise
            click.echo(f"warning: {exc}; screening anyway because: {override}", err=True)
            loaded = registers.loaded_at(session)
    ages = [(utc_now() - loaded[name]).days for name in needed if name in loaded]
    return max(ages, default=None)


def _summary(outcome: Outcome) -> None:
    width = max(len(reason.value) for reason in Reason)
    click.echo(f"{'reason':<{width}}  {'rows':>12}")
    for reason in Reason:
        if reason.value in outcome.counts:
            mark = "excluded" if reason in REFUSALS else "allowed"
            click.echo(f"{reason.value:<{width}}  {outcome.counts[reason.value]:>12,}  {mark}")
    click.echo(f"{'allowed':<{width}}  {outcome.allowed:>12,}  -> {outcome.allowed_path}")
    click.echo(f"{'excluded':<{width}}  {outcome.excluded:>12,}  -> {outcome.excluded_path}")
