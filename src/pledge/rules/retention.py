"""Retention eligibility: which rows a rule expires now, and which rows a hold keeps.

Pure: a rule, the declaration, the holds and "now" go in; plain :class:`Step` values come
out, one per phase of a rule. The sweep in :mod:`pledge.retention` turns a step into SQL.

Every shape reduces to "the counted column is older than a cut-off":

- ``counted: age`` counts from when the row was made (``started_at``);
- ``counted: inactivity`` from the last activity (``last_activity_at``);
- ``counted: event`` from an event that may not have happened yet (``left_at``). A row whose
  column is empty is never eligible, so an employee who has not left is kept.

``then: archive`` has two phases: rows past the cut-off move to the archive dataset, and rows
in the archive past ``archive.keep`` are deleted (or anonymised). The archive clock counts
from the archive's ``archived_at`` column when it declares one, else from the rule's own
column plus both periods, so the archive needs no extra column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from pledge.declaration.duration import Duration
from pledge.declaration.model import Dataset, Declaration, RetentionRule

Phase = Literal["expire", "archive-expiry"]
Action = Literal["delete", "anonymise", "archive"]
#: How an archive destination names a folder of Parquet files.
PARQUET = "parquet:"
#: The archive column that, when declared, starts the archive's own clock.
ARCHIVED_AT = "archived_at"
#: How late a daily sweep may be before rows count as overdue in ``pledge retention check``.
DEFAULT_GRACE = Duration(2, "days")


@dataclass(frozen=True)
class Hold:
    """A legal hold: a subject (identity kind and value) or a whole dataset is kept."""

    id: int
    reason: str
    set_by: str
    dataset: str | None = None
    identity: str | None = None
    value: str | None = None
    expires_at: datetime | None = None
    #: Every spelling a database may hold the value in (a phone number nationally, say);
    #: empty means the value as given.
    forms: tuple[str, ...] = ()
    #: Where the request planner found the subject: dataset → keys of their rows, or None
    #: when the search failed there. Meaningful only when ``resolved``.
    reach: tuple[tuple[str, tuple[str, ...] | None], ...] = ()
    resolved: bool = False

    def active(self, now: datetime) -> bool:
        """Whether the hold still applies at ``now`` (no expiry means until released)."""
        return self.expires_at is None or self.expires_at > now

    @property
    def subject(self) -> str:
        """The held subject as ``kind=value``."""
        return f"{self.identity}={self.value}"


@dataclass(frozen=True)
class HeldSubjects:
    """Values of one column that a subject hold keeps out of a sweep."""

    column: str
    values: tuple[str, ...]
    #: Emails are kept as people typed them: compare case-insensitively.
    fold_case: bool = False


@dataclass(frozen=True)
class Step:
    """One phase of one rule: where to look, what is eligible, what to do with it."""

    rule: str
    phase: Phase
    system: str
    dataset: str
    column: str
    counted: Literal["age", "inactivity", "event"]
    keep: str
    cutoff: datetime
    action: Action
    #: Fields an anonymise step empties; the archive destination of an archive step.
    fields: tuple[str, ...] = ()
    archive_to: str | None = None
    dataset_holds: tuple[Hold, ...] = ()
    held: tuple[HeldSubjects, ...] = ()
    #: Subject holds this dataset has no column for: reported, never silently ignored.
    unplaced: tuple[Hold, ...] = ()
    subject_holds: tuple[Hold, ...] = field(default=(), repr=False)

    @property
    def where(self) -> str:
        """``system.dataset`` the step reads and changes (a file for a Parquet archive)."""
        if self.in_parquet:
            return f"{self.system}/{self.dataset}.parquet"
        return f"{self.system}.{self.dataset}"

    @property
    def in_parquet(self) -> bool:
        """The step works on a Parquet archive file rather than a database table."""
        return self.system.startswith(PARQUET)

    @property
    def blocked(self) -> bool:
        """A dataset hold stops the whole step."""
        return bool(self.dataset_holds)


def cutoff(rule: RetentionRule, now: datetime) -> datetime:
    """Rows whose counted column is before this moment have outlived ``rule``.

    >>> from datetime import UTC
    >>> rule = RetentionRule.model_validate(
    ...     {"dataset": "s.d", "keep": "12 months", "from": "t", "then": "delete"})
    >>> cutoff(rule, datetime(2026, 3, 31, tzinfo=UTC)).date()
    datetime.date(2025, 3, 31)
    """
    return rule.keep.before(now)


def overdue_before(step: Step, grace: Duration = DEFAULT_GRACE) -> datetime:
    """Rows older than this are overdue: past the cut-off by more than a sweep's slack."""
    return grace.before(step.cutoff)


def steps(
    declaration: Declaration,
    now: datetime,
    holds: Iterable[Hold] = (),
    only: str | None = None,
) -> list[Step]:
    """Every phase of every rule (or of rule ``only``), in declaration order."""
    live = [hold for hold in holds if hold.active(now)]
    found: list[Step] = []
    for name, rule in declaration.retention.items():
        if only is None or name == only:
            found.extend(rule_steps(name, rule, declaration, now, live))
    return found


def rule_steps(
    name: str,
    rule: RetentionRule,
    declaration: Declaration,
    now: datetime,
    holds: Iterable[Hold] = (),
) -> list[Step]:
    """The phases of one rule: one step, or two for archive-then-delete."""
    holds = tuple(holds)
    system, _, dataset = rule.dataset.partition(".")
    first = Step(
        rule=name,
        phase="expire",
        system=system,
        dataset=dataset,
        column=rule.from_,
        counted=rule.counted,
        keep=str(rule.keep),
        cutoff=cutoff(rule, now),
        action=rule.then,
        fields=tuple(rule.anonymise),
        archive_to=rule.archive.to if rule.archive else None,
    )
    found = [_held(first, declaration, holds, rule.dataset)]
    second = _archive_step(first, rule, declaration, now)
    if second is not None:
        # Parquet archives keep the source's columns, so holds land on the source's fields.
        on = rule.dataset if second.in_parquet else second.where
        found.append(_held(second, declaration, holds, on))
    return found


def _archive_step(
    first: Step, rule: RetentionRule, declaration: Declaration, now: datetime
) -> Step | None:
    archive = rule.archive
    if archive is None:
        return None
    base = replace(first, phase="archive-expiry", counted="age", action=archive.then)
    base = replace(base, archive_to=None, fields=())
    if archive.to.startswith(PARQUET):
        # The Parquet writer stamps archived_at itself.
        return replace(
            base,
            system=archive.to,
            column=ARCHIVED_AT,
            keep=str(archive.keep),
            cutoff=archive.keep.before(now),
        )
    found = declaration.dataset(archive.to)
    if found is None:
        return None
    system, dataset, target = found
    fields = anonymisable(target) if archive.then == "anonymise" else ()
    base = replace(base, system=system, dataset=dataset, fields=fields)
    if ARCHIVED_AT in target.fields:
        keep, moment = str(archive.keep), archive.keep.before(now)
        return replace(base, column=ARCHIVED_AT, keep=keep, cutoff=moment)
    # No archived_at: count both periods from the rule's own column.
    return replace(
        base, keep=f"{rule.keep} + {archive.keep}", cutoff=archive.keep.before(first.cutoff)
    )


def subject_columns(declaration: Declaration, dotted: str, identity: str) -> list[str]:
    """Columns of ``dotted`` holding identity ``identity``, directly or by one reference."""
    found = declaration.dataset(dotted)
    if found is None:
        return []
    system, _, dataset = found
    columns = []
    for column, spec in dataset.fields.items():
        if spec.identity == identity:
            columns.append(column)
        elif spec.references is not None:
            target = _referenced(declaration, system, spec.references)
            if target is not None and target == identity:
                columns.append(column)
    return columns


def anonymisable(dataset: Dataset) -> tuple[str, ...]:
    """Fields that hold personal data and are not keys: what anonymising an archive empties."""
    return tuple(
        name
        for name, spec in dataset.fields.items()
        if spec.personal
        and not spec.primary_key
        and spec.references is None
        and name != ARCHIVED_AT
    )


def _held(step: Step, declaration: Declaration, holds: tuple[Hold, ...], on: str) -> Step:
    """``step`` with the holds that reach it: dataset holds block it, subject holds filter it.

    A subject is found in ``on`` by its identity column, else by the keys of the rows the
    request planner found for it (``Hold.reach``). Where its rows cannot be told apart (the
    search failed, or the dataset has no key), the whole step is held: keeping too much for
    a day is recoverable, deleting what a court asked to keep is not.
    """
    blocking = [h for h in holds if h.identity is None and h.dataset == step.where]
    subject = tuple(h for h in holds if h.identity is not None)
    by_column: dict[str, list[str]] = {}
    folded: set[str] = set()
    unplaced: list[Hold] = []
    for hold in subject:
        assert hold.identity is not None and hold.value is not None
        columns = subject_columns(declaration, on, hold.identity)
        for column_name in columns:
            by_column.setdefault(column_name, []).extend(hold.forms or (hold.value,))
            if hold.identity == "email":
                folded.add(column_name)
        reach = dict(hold.reach)
        if columns or (hold.resolved and on not in reach):
            continue
        key = _primary_key(declaration, on)
        keys = reach.get(on)
        if not hold.resolved:
            unplaced.append(hold)
        elif keys is None or key is None:
            blocking.append(hold)
        else:
            by_column.setdefault(key, []).extend(keys)
    held = tuple(
        HeldSubjects(c, tuple(sorted(set(v))), c in folded) for c, v in sorted(by_column.items())
    )
    return replace(
        step,
        dataset_holds=tuple(blocking),
        held=held,
        unplaced=tuple(unplaced),
        subject_holds=subject,
    )


def _primary_key(declaration: Declaration, dotted: str) -> str | None:
    found = declaration.dataset(dotted)
    keys = [n for n, f in found[2].fields.items() if f.primary_key] if found else []
    return keys[0] if len(keys) == 1 else None


def _referenced(declaration: Declaration, system: str, reference: str) -> str | None:
    # References are "dataset.field" within the system, or "system.dataset.field".
    pieces = reference.split(".")
    if len(pieces) == 2:
        pieces = [system, *pieces]
    if len(pieces) != 3:
        return None
    found = declaration.dataset(f"{pieces[0]}.{pieces[1]}")
    if found is None or pieces[2] not in found[2].fields:
        return None
    return found[2].fields[pieces[2]].identity
