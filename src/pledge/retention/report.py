"""Plans, outcomes and runs as the sentences the CLI prints (and a DPO reads)."""

from __future__ import annotations

from pledge.retention.history import RunRecord
from pledge.retention.service import Planned
from pledge.retention.sweep import Outcome
from pledge.rules.retention import Hold, Step


def describe_hold(hold: Hold) -> str:
    """One line for plans and listings."""
    what = f"dataset {hold.dataset}" if hold.identity is None else hold.subject
    until = f" until {hold.expires_at:%Y-%m-%d}" if hold.expires_at else ""
    return f"hold #{hold.id} on {what} by {hold.set_by}{until}: {hold.reason}"


def describe_step(step: Step) -> str:
    """What the step does, in a sentence a DPO reads."""
    since = {
        "age": f"{step.column} is more than {step.keep} ago",
        "inactivity": f"no activity for {step.keep} (by {step.column})",
        "event": f"{step.keep} have passed since {step.column}",
    }[step.counted]
    if step.phase == "archive-expiry":
        since = f"archived rows are older than {step.keep} (by {step.column})"
    verb = {
        "delete": "delete the rows",
        "anonymise": f"empty {', '.join(step.fields)}",
        "archive": f"move the rows to {step.archive_to}",
    }[step.action]
    return f"rows where {since} (before {step.cutoff:%Y-%m-%d %H:%M}): {verb}"


def describe_plan(line: Planned) -> str:
    """One rule phase of a dry run, with its holds."""
    step = line.step
    head = f"{step.rule} [{step.phase}] {step.where}: {describe_step(step)}"
    if line.problem is not None:
        return f"{head}\n  cannot run: {line.problem}"
    preview = line.preview
    assert preview is not None
    parts = [head]
    if step.blocked:
        parts.append(f"  would change nothing: {preview.held_back} expired row(s) held back")
    else:
        oldest = f", oldest {preview.oldest}" if preview.oldest is not None else ""
        parts.append(f"  would {_verb(step.action)} {preview.eligible} row(s){oldest}")
        if preview.held_back:
            parts.append(f"  {preview.held_back} expired row(s) held back")
    for hold in step.dataset_holds:
        parts.append(f"  held: {describe_hold(hold)}")
    if preview.held_back and not step.blocked:
        matched = ", ".join(held.column for held in step.held)
        for hold in step.subject_holds:
            parts.append(f"  held: {describe_hold(hold)} (rows matched by {matched})")
    for hold in step.unplaced:
        parts.append(
            f"  note: {step.where} has no column for {hold.identity}, so {describe_hold(hold)} "
            "cannot keep rows here"
        )
    return "\n".join(parts)


def describe_outcome(outcome: Outcome) -> str:
    """What one rule phase did in a run."""
    step = outcome.step
    head = f"{step.rule} [{step.phase}] {step.where}"
    if outcome.file_errors and (outcome.error or "").endswith(outcome.file_errors[0]):
        # The rows changed; only files are left, and a run names them until they go.
        done = (
            f"{head}: {_past(step.action)} {outcome.changed} row(s) in {outcome.batches} batch(es)"
        )
        return done + _files(outcome)
    if outcome.error is not None and outcome.batches == 0:
        return f"{head}: not run: {outcome.error}"
    if outcome.error is not None:
        return (
            f"{head}: stopped after {outcome.changed} row(s) in {outcome.batches} batch(es): "
            f"{outcome.error}; the next run finishes it"
        )
    if step.blocked:
        return f"{head}: skipped, {'; '.join(describe_hold(h) for h in step.dataset_holds)}"
    done = f"{head}: {_past(step.action)} {outcome.changed} row(s) in {outcome.batches} batch(es)"
    return done + _files(outcome)


def _files(outcome: Outcome) -> str:
    text = f", {outcome.files_removed} file(s) removed" if outcome.files_removed else ""
    if outcome.file_errors:
        text += f"; {len(outcome.file_errors)} file(s) NOT removed: {outcome.file_errors[0]}"
    return text


def describe_run(record: RunRecord) -> str:
    """A run's headline for ``run`` and ``history``."""
    scope = f" (rule {record.only_rule})" if record.only_rule else ""
    finished = f"{record.finished_at:%Y-%m-%d %H:%M:%S}" if record.finished_at else "not finished"
    if record.status == "running" and record.heartbeat_at is not None:
        # A killed run stays "running" until the next run takes its stale lock over.
        finished += f" (last heartbeat {record.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC)"
    return (
        f"run #{record.id}{scope} by {record.actor}, started {record.started_at:%Y-%m-%d %H:%M:%S}"
        f" UTC, {record.status}, finished {finished}: {record.changed} row(s) changed"
    )


def _verb(action: str) -> str:
    return {"delete": "delete", "anonymise": "anonymise", "archive": "archive"}[action]


def _past(action: str) -> str:
    return {"delete": "deleted", "anonymise": "anonymised", "archive": "archived"}[action]
