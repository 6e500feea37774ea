"""``pledge notice``, ``pledge notice diff``, ``pledge lint`` and ``pledge ropa``: the only
part of ``pledge.notice`` that reads files, writes files or prints."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pledge.notice.compose import compose
from pledge.notice.diff import diff
from pledge.notice.lint import lint, summary, to_markdown
from pledge.notice.render_html import render_html
from pledge.notice.render_md import render_md
from pledge.notice.ropa import record, to_csv, to_xlsx

if TYPE_CHECKING:
    from pledge.cli import App

# Commands take the App with ``click.pass_obj`` (not pledge.cli.pass_app) so that this module
# does not import pledge.cli at run time: the two would import each other.

_FILE = click.Path(path_type=Path, dir_okay=False)
_OUT = click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here, not to stdout."
)


def register(group: click.Group) -> None:
    """Add this module's commands to the ``pledge`` command."""
    for command in (notice, lint_command, ropa):
        group.add_command(command)


def _write(out: Path | None, content: str | bytes) -> None:
    if out is None:
        if isinstance(content, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            click.echo(content, nl=False)
        return
    try:
        if isinstance(content, bytes):
            out.write_bytes(content)
        else:
            out.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"wrote {out}", err=True)


class _NoticeGroup(click.Group):
    """A group whose default is rendering: ``pledge notice [FILE]`` means
    ``pledge notice render [FILE]``, while ``pledge notice diff OLD NEW`` stays a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = args[0] if args else None
        if first is None or (first not in self.commands and first not in ctx.help_option_names):
            args = ["render", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_NoticeGroup)
def notice() -> None:
    """Render the privacy notice, or compare two declarations.

    \b
    pledge notice [FILE] [--format html|md] [--out PATH] [--date YYYY-MM-DD]
    pledge notice diff OLD NEW
    """


@notice.command("render")
@click.argument("file", required=False, type=_FILE)
@click.option(
    "--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True
)
@_OUT
@click.option(
    "--date",
    "on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The notice's date (default: today).",
)
@click.pass_obj
def render(app: App, file: Path | None, fmt: str, out: Path | None, on: Any) -> None:
    """Render the privacy notice from the declaration (the default of `pledge notice`)."""
    loaded = app.load(file)
    content = compose(loaded.declaration, on.date() if on else date.today())
    _write(out, render_html(content) if fmt == "html" else render_md(content))


@notice.command("diff")
@click.argument("old", type=_FILE)
@click.argument("new", type=_FILE)
@click.pass_obj
def diff_command(app: App, old: Path, new: Path) -> None:
    """List what changed for customers between two declarations; TELL marks the changes
    they must be told about. Exit 0 (1 or 2 when a file is invalid or unreadable)."""
    changes = diff(app.load(old).declaration, app.load(new).declaration)
    for change in changes:
        click.echo(str(change))
    tell = sum(1 for c in changes if c.must_tell)
    click.echo(f"{len(changes)} change(s); {tell} to tell customers about", err=True)


@click.command("lint")
@click.argument("file", required=False, type=_FILE)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True
)
@click.pass_obj
def lint_command(app: App, file: Path | None, fmt: str) -> None:
    """Check the declaration against the Article 13/14 checklist and for consistency.

    Each finding has a severity, a code and its place in the file. Exit 1 if any error.
    """
    loaded = app.load(file)
    findings = lint(loaded)
    if fmt == "md":
        click.echo(to_markdown(findings), nl=False)
    elif fmt == "json":
        rows = [
            {
                "code": f.code,
                "severity": f.severity,
                "file": f.place.file if f.place else None,
                "line": f.place.line if f.place else None,
                "column": f.place.column if f.place else None,
                "where": f.where,
                "message": f.message,
            }
            for f in findings
        ]
        click.echo(json.dumps(rows, indent=2))
    else:
        for finding in findings:
            click.echo(str(finding))
    click.echo(f"{loaded.path}: {summary(findings)}", err=True)
    if any(f.severity == "error" for f in findings):
        sys.exit(1)


@click.command()
@click.argument("file", required=False, type=_FILE)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@_OUT
@click.pass_obj
def ropa(app: App, file: Path | None, fmt: str, out: Path | None) -> None:
    """Export the Article 30 record of processing, one row per purpose, in the column order
    of the ICO's controller documentation template."""
    loaded = app.load(file)
    rec = record(loaded.declaration)
    if fmt == "xlsx":
        if out is None and sys.stdout.isatty():
            raise click.UsageError("an .xlsx file is binary; give --out FILE.xlsx")
        _write(out, to_xlsx(rec))
    else:
        _write(out, to_csv(rec))
