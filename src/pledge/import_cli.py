"""``pledge import fides``: write a declaration from Fides dataset files.

The conversion is ``pledge.declaration.fides`` (pure, like the rest of the declaration room);
this module reads the files, writes the result and says what to look at. Nothing is written
when the input is wrong, and an existing file is replaced only with ``--force`` (and then
only once the new text is whole).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from pledge.cli import EXIT_INVALID, EXIT_UNREADABLE


def register(group: click.Group) -> None:
    """Add ``pledge import`` to the ``pledge`` command."""
    group.add_command(import_group)


@click.group("import")
def import_group() -> None:
    """Write a declaration from another tool's description of your data."""


@import_group.command("fides")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the declaration here (default: print it).",
)
@click.option("--force", is_flag=True, help="Replace OUT if it already exists.")
@click.option("--controller-name", help="The controller's legal name (else a TODO stub).")
@click.option("--controller-address", help="The controller's postal address (else a TODO stub).")
def fides(
    files: tuple[Path, ...],
    out: Path | None,
    force: bool,
    controller_name: str | None,
    controller_address: str | None,
) -> None:
    """Turn Fides dataset YAML files (fideslang datasets) into a Pledge declaration."""
    from pledge.declaration.fides import FidesFile, FidesInvalid, convert

    if out is not None and out.exists() and not force:
        raise click.ClickException(
            f"{out} already exists; nothing was written (pass --force to replace it)"
        )
    given: list[FidesFile] = []
    for path in files:
        try:
            given.append(FidesFile(str(path), path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            click.echo(f"{path}: there is no such file; nothing was written", err=True)
            sys.exit(EXIT_UNREADABLE)
        except (OSError, UnicodeDecodeError) as exc:
            click.echo(f"{path}: cannot be read ({exc}); nothing was written", err=True)
            sys.exit(EXIT_UNREADABLE)
    try:
        imported = convert(
            given,
            controller_name=controller_name,
            controller_address=controller_address,
            out_name=str(out) if out is not None else "<stdout>",
        )
    except FidesInvalid as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s); nothing was written", err=True)
        sys.exit(EXIT_UNREADABLE if exc.unreadable else EXIT_INVALID)
    for note in imported.notes:
        click.echo(str(note), err=True)
    if out is None:
        click.echo(imported.text, nl=False)
    else:
        _write(out, imported.text, force)
        click.echo(
            f"{out}: {imported.systems} system(s), {imported.datasets} dataset(s), "
            f"{imported.fields} field(s) from {len(given)} Fides file(s)",
            err=True,
        )
    if imported.problems:
        click.echo("pledge check will report (once the controller is filled in):", err=True)
        for problem in imported.problems:
            click.echo(f"  {problem}", err=True)
    if controller_name is None or controller_address is None:
        click.echo("next: fill in the controller (the TODO lines), then run pledge check", err=True)


def _write(out: Path, text: str, force: bool) -> None:
    """Write ``text`` to ``out`` whole or not at all; never over a file unless ``force``."""
    if not out.parent.is_dir():
        raise click.ClickException(f"{out.parent} is not a folder; nothing was written")
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        if force:
            os.replace(temporary, out)
            return
        try:
            try:
                os.link(temporary, out)  # refuses, unlike a rename, if the file is there
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links
                with out.open("x", encoding="utf-8") as stream:
                    stream.write(text)
        except FileExistsError:
            raise click.ClickException(
                f"{out} already exists; nothing was written (pass --force to replace it)"
            ) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
