"""The ``pledge`` command. Each capability adds its commands in its own module; this file
only builds the settings object and wires the groups together."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from pledge.declaration import (
    DeclarationInvalid,
    DeclarationUnreadable,
    Loaded,
    load_file,
    summarise,
)
from pledge.settings import Settings, SettingsInvalid

#: Exit statuses shared by every command.
EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


@dataclass
class App:
    """What every command receives: the settings, built once from flags and environment."""

    settings: Settings

    def declaration_path(self, given: Path | None = None) -> Path:
        """The declaration to use, or a clear error when there is none."""
        path = given or self.settings.find_declaration()
        if path is None:
            # No declaration is a missing file like any other: unreadable, exit 2.
            click.echo(
                "error: no declaration found: pass --config FILE, set PLEDGE_CONFIG, or run "
                "inside a folder that holds pledge.yaml (try `pledge demo` to make one)",
                err=True,
            )
            sys.exit(EXIT_UNREADABLE)
        return path

    def load(self, given: Path | None = None) -> Loaded:
        """Load and validate the declaration; on failure print every problem and exit."""
        path = self.declaration_path(given)
        try:
            return load_file(path)
        except DeclarationUnreadable as exc:
            click.echo(str(exc.problem), err=True)
            sys.exit(EXIT_UNREADABLE)
        except DeclarationInvalid as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{path}: {len(exc.problems)} problem(s); nothing was run", err=True)
            sys.exit(EXIT_INVALID)


pass_app = click.make_pass_decorator(App)


@click.group()
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Declaration file (default: pledge.yaml here or in a parent folder; env PLEDGE_CONFIG).",
)
@click.option(
    "--database-url",
    help="Pledge's own store as a SQLAlchemy URL (env PLEDGE_DATABASE_URL; "
    "default: SQLite in .pledge/ beside the declaration).",
)
@click.version_option(package_name="pledge")
@click.pass_context
def main(ctx: click.Context, config: Path | None, database_url: str | None) -> None:
    """Pledge keeps the promises a privacy notice makes."""
    try:
        settings = Settings.from_env(declaration_path=config, database_url=database_url)
    except SettingsInvalid as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    ctx.obj = App(settings)


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@pass_app
def check(app: App, file: Path | None) -> None:
    """Validate a declaration and summarise it (exit 0 valid, 1 invalid, 2 unreadable)."""
    loaded = app.load(file)
    for warning in loaded.warnings:
        click.echo(str(warning), err=True)
    click.echo(f"{loaded.path}: valid declaration for {loaded.declaration.controller.name}")
    for line in summarise(loaded.declaration).lines():
        click.echo(line)


#: Modules that add commands: each has ``register(group)``. The store's ``db`` group is added
#: directly. A capability joins the CLI by adding its module here, nowhere else.
COMMAND_MODULES = (
    "pledge.notice.cli",
    "pledge.retention.cli",
    "pledge.dsr.plan_cli",
    "pledge.dsr.erasure_cli",
    "pledge.dsr.cli",
    "pledge.demo.cli",
    "pledge.consent.cli",
    "pledge.import_cli",
    "pledge.services.objection",
    "pledge.store.audit_cli",
)


def _register() -> None:
    from pledge.store.cli import db

    main.add_command(db)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(main)


_register()
