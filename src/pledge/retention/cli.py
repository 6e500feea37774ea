"""``pledge retention``: plan, run, check and schedule sweeps, and read their history.

Scheduling: ``pledge retention run --every 1d`` keeps running, or let cron start it::

    17 2 * * * cd /srv/pledge && pledge retention run --quiet >> /var/log/pledge-retention.log 2>&1
"""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from pledge.declaration import Loaded
from pledge.retention import check, history, service
from pledge.retention.context import actor, holds_in_force, moment, period, store, systems
from pledge.retention.holds_cli import hold
from pledge.retention.report import describe_outcome, describe_plan, describe_run
from pledge.retention.sweep import DEFAULT_BATCH_SIZE, OnBatch
from pledge.rules.retention import Step
from pledge.store.locks import LockLost

if TYPE_CHECKING:
    from pledge.cli import App

# Commands take the App with ``click.pass_obj``: importing pledge.cli here would be circular.


@click.group()
def retention() -> None:
    """Enforce the declaration's retention rules on the real data."""


retention.add_command(hold)


def _known_rule(loaded: Loaded, rule: str | None) -> None:
    if rule is not None and rule not in loaded.declaration.retention:
        names = ", ".join(loaded.declaration.retention) or "none"
        raise click.BadParameter(
            f"no retention rule '{rule}' (rules: {names})", param_hint="--rule"
        )


@retention.command("plan")
@click.option("--rule", help="Plan one rule only.")
@click.option("--at", "at", help="Plan as of this date instead of now (what expires by then).")
@click.pass_obj
def plan_command(app: App, rule: str | None, at: str | None) -> None:
    """Dry run: per rule, rows eligible, the oldest, rows held back and why. Changes nothing."""
    loaded = app.load()
    _known_rule(loaded, rule)
    now = moment(at)
    with store(app, loaded) as engine, systems(app, loaded) as connect:
        held = holds_in_force(app, loaded, engine, now)
        lines = service.plan(loaded.declaration, connect, now, held, rule, folder=loaded.folder)
    for line in lines:
        click.echo(describe_plan(line))


@retention.command("run")
@click.option("--rule", help="Run one rule only.")
@click.option(
    "--batch-size",
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    type=click.IntRange(1),
    help="Rows per transaction; a crash repeats at most one batch.",
)
@click.option("--every", help="Keep running, once per period (1d, 12h, '1 week'); Ctrl-C stops.")
@click.option("--quiet", is_flag=True, help="No progress bar (for cron and logs).")
@click.pass_obj
def run_command(
    app: App, rule: str | None, batch_size: int, every: str | None, quiet: bool
) -> None:
    """Sweep: delete, anonymise or archive what has expired, one batch per transaction.

    Exit status 1 when a rule could not finish, or when another run is in progress (two
    runs never sweep at once); the next run carries on where it stopped.

    \b
    From cron instead of --every:
      17 2 * * * cd /srv/pledge && pledge retention run --quiet
    """
    loaded = app.load()
    _known_rule(loaded, rule)
    every_period = period(every) if every else None
    while True:
        started = datetime.now(UTC)
        try:
            complete = _run_once(app, loaded, rule, batch_size, quiet)
        except history.AlreadyRunning as exc:
            if every_period is None:
                raise click.ClickException(str(exc)) from None
            click.echo(f"skipped: {exc}", err=True)  # the next period tries again
            complete = False
        if every_period is None:
            sys.exit(0 if complete else 1)
        following = every_period.after(started)
        click.echo(f"next run at {following:%Y-%m-%d %H:%M} UTC", err=True)
        time.sleep(max((following - datetime.now(UTC)).total_seconds(), 0))


def _run_once(app: App, loaded: Loaded, rule: str | None, batch_size: int, quiet: bool) -> bool:
    who, now = actor(), datetime.now(UTC)
    bars = ExitStack()

    def on_step(step: Step, total: int) -> OnBatch | None:
        bars.close()  # the previous step's bar ends where the next one starts
        if quiet or total == 0:
            return None
        label = f"{step.rule} ({step.phase})"
        bar = bars.enter_context(click.progressbar(length=total, label=label, file=sys.stderr))
        return bar.update

    with store(app, loaded) as engine, systems(app, loaded) as connect:
        run = history.begin(engine, actor=who, only_rule=rule)

        def recorded(step: Step, total: int) -> OnBatch:
            record, bar = run.step(step), on_step(step, total)
            if bar is None:
                return record

            def both(changed: int) -> None:
                record(changed)  # the store first: a bar never runs ahead of the record
                bar(changed)

            return both

        with run:
            try:
                outcomes = service.run(
                    loaded.declaration,
                    connect,
                    now,
                    holds_in_force(app, loaded, engine, now),
                    rule,
                    folder=loaded.folder,
                    batch_size=batch_size,
                    on_step=recorded,
                )
            except LockLost as exc:
                raise click.ClickException(
                    f"run #{run.id} stopped: {exc}; another run has taken over, and the "
                    "batches this one committed are in its history"
                ) from None
            finally:
                bars.close()
            record = run.finish(outcomes)
    for outcome in outcomes:
        click.echo(describe_outcome(outcome))
    click.echo(describe_run(record))
    return record.status == "complete"


@retention.command("check")
@click.option("--at", "at", help="Check as of this date instead of now.")
@click.pass_obj
def check_command(app: App, at: str | None) -> None:
    """Datasets no rule covers, rules the data does not fit, overdue rows (exit 1 if any)."""
    loaded = app.load()
    now = moment(at)
    with store(app, loaded) as engine, systems(app, loaded) as connect:
        held = holds_in_force(app, loaded, engine, now)
        findings = check.check(loaded.declaration, connect, now, held, folder=loaded.folder)
    for finding in findings:
        click.echo(f"{finding.kind}: {finding.message}")
    if findings:
        sys.exit(1)
    click.echo("every dataset with personal data has a rule, and no data is older than promised")


@retention.command("history")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1))
@click.pass_obj
def history_command(app: App, limit: int) -> None:
    """What ran, when, by whom, and what each rule changed; newest first."""
    loaded = app.load()
    with store(app, loaded) as engine:
        records = history.recent(engine, limit)
    if not records:
        click.echo("no retention run yet; `pledge retention run` starts one")
    for record in records:
        click.echo(describe_run(record))
        for step in record.steps:
            error = f" ({step['error']})" if step["error"] else ""
            click.echo(
                f"  {step['rule']} {step['phase']} on {step['dataset']}: {step['action']} "
                f"{step['changed']} row(s) in {step['batches']} batch(es){error}"
            )


def register(main: click.Group) -> None:
    """Add ``pledge retention`` to the command line."""
    main.add_command(retention)
