"""What erasing one dataset means, as set-based writes: pure, from the rows already found.

Rows an exemption keeps are split off first (by primary key); the rest are deleted, or
updated field by field with each field's strategy. Statements name a batch of key values,
never one row: a whole dataset is one DELETE (or a few, in chunks of key values).

Files the erased rows name (fields with ``file_root``) are resolved here, before any write:
a stored path that leaves its root refuses the erasure. They are removed only after the
system's transaction commits; a file a kept row also names stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pledge import files as stored_files
from pledge.connectors import Delete, Update, Write
from pledge.connectors.sql import CHUNK
from pledge.declaration.model import Dataset
from pledge.declaration.reach import split
from pledge.dsr.certificate import DatasetOutcome, Kept
from pledge.dsr.strategies import Strategy, transform
from pledge.rules.exemptions import Exemption, keeping
from pledge.subjects.locate import Found

#: Pairs per CASE map, so the connector sends each map as one statement (two params a pair).
PAIRS = CHUNK // 2
REGISTER = "Pledge's restriction register"
#: The rule names of rows kept because other people's records share them or point at them.
SHARED = "shared"
REFERRED = "referred"


class ErasureRefused(ValueError):
    """The declaration asks for an erasure that cannot be done safely; nothing was touched."""


@dataclass
class Work:
    """The writes for one dataset, and what verification must find gone afterwards."""

    system: str
    dataset: str
    outcome: DatasetOutcome
    writes: list[Write] = field(default_factory=list)
    #: Primary keys of kept rows, by the rule that keeps them (for the restriction register).
    kept_keys: dict[str, list[Any]] = field(default_factory=dict)
    #: Primary keys of rows kept because other people's records share them or refer to them:
    #: left exactly as they are (not flagged, not registered as restricted).
    shared_keys: list[Any] = field(default_factory=list)
    #: Field → the values it held and must not hold after (updates).
    targeted: dict[str, set[Any]] = field(default_factory=dict)
    kept_rows: list[dict[str, Any]] = field(default_factory=list)
    strategies: dict[str, Strategy] = field(default_factory=dict)
    #: Files to remove once the system commits, as (field, resolved path).
    files: list[tuple[str, Path]] = field(default_factory=list)
    #: How many of ``writes`` come first and only flag kept rows as restricted.
    flags: int = 0
    #: The rows this work erases (updated datasets count those that held a targeted value).
    erasable: list[dict[str, Any]] = field(default_factory=list)


def strategies_of(dataset: Dataset) -> dict[str, Strategy]:
    """Field → strategy for an update-erased dataset; keys are never touched."""
    out: dict[str, Strategy] = {}
    for name, spec in dataset.fields.items():
        if spec.primary_key or spec.references is not None or spec.erase is None:
            continue
        out[name] = spec.erase
    return out


def plan_dataset(
    found: Found,
    dataset: Dataset,
    exemptions: list[Exemption],
    *,
    now: datetime,
    hash_key: str | None,
    held: Mapping[str, set[Any]] | None = None,
    hold: tuple[str, str] | None = None,
    widths: Mapping[str, int] | None = None,
    files: Mapping[str, Path] | None = None,
) -> Work:
    """The writes that erase what ``found`` holds of one dataset.

    ``hold`` is a legal hold (name, reason) on the dataset or the person: every row is kept.
    ``widths`` gives text columns' length limits, so a hash is cut to fit.
    ``files`` maps the dataset's file fields to their resolved roots.

    ``held`` maps a field to values that kept rows elsewhere in the system still reference
    (a kept invoice's account): rows holding them are kept too, or the delete would break the
    foreign key and roll the whole system back.
    """
    step = found.step
    pk = step.primary_key
    work = Work(step.system, step.dataset, DatasetOutcome(step.dataset, dataset.erase))
    work.outcome.found = len(found.rows)
    kept: dict[str, tuple[str, list[Any]]] = {}
    erasable: list[dict[str, Any]] = []
    for row in found.rows:
        rule = keeping(exemptions, row, now)
        reason = rule.reason if rule else None
        name = rule.rule if rule else None
        if hold is not None:
            name, reason = hold
        others = found.shared.get(found.key(row))
        referred = found.referred.get(found.key(row))
        if others is not None:
            name = SHARED
            reason = (
                f"shared with {others} other record(s)"
                if others
                else "belongs to a row shared with other people"
            )
        elif referred is not None and dataset.erase == "delete":
            # Updating keeps the key others point at; deleting would break their records.
            name = REFERRED
            reason = (
                f"referred to by {referred[0]} other record(s) ({referred[1]}); deleting it "
                "would break them (erase: update would clear its fields and keep the row)"
            )
        if name is None and dataset.erase == "delete" and held:
            holder = next((f for f, vals in held.items() if row.get(f) in vals), None)
            if holder is not None:
                name, reason = (
                    "referenced",
                    f"referenced by rows that stay ({holder}); deleting it would break them",
                )
        if name is None or reason is None:
            erasable.append(row)
            continue
        if pk is None:
            raise ErasureRefused(
                f"{step.dotted}: some rows must be kept ({name}) but the dataset declares no "
                "single primary key to tell them apart; declare one (primary_key: true)"
            )
        kept.setdefault(name, (reason, []))[1].append(row[pk])
        work.kept_rows.append(row)
    if dataset.erase == "delete" and pk is not None:
        erasable = _hold_own_parents(step.dotted, dataset, erasable, work, kept, pk)
    restricted_by = (
        f"column {dataset.restriction_column}" if dataset.restriction_column else REGISTER
    )
    for name, (reason, keys) in kept.items():
        if name in (SHARED, REFERRED):
            # Other people's data too: left as it is, neither flagged nor registered.
            work.outcome.kept.append(Kept(name, reason, len(keys), "not restricted: shared"))
            work.shared_keys.extend(keys)
            continue
        work.outcome.kept.append(Kept(name, reason, len(keys), restricted_by))
        work.kept_keys[name] = keys
        column = dataset.restriction_column
        if column and pk:
            # Rows flagged already (a repeat erasure) need no write.
            flagged = {r[pk] for r in work.kept_rows if r.get(column)}
            unflagged = [k for k in keys if k not in flagged]
            if unflagged:
                work.writes.append(Update(step.dataset, pk, unflagged, set_to={column: True}))
    work.flags = len(work.writes)
    work.erasable = erasable
    work.outcome.erased = 0  # counted from what the writes did, once they ran
    if not erasable:
        return work
    # Rows are named by the values that found them only when those values find nothing else.
    whole = not kept and not found.skipped
    if dataset.erase == "delete":
        work.writes.extend(_deletes(found, pk, erasable, whole=whole))
        work.files = _files(step.dotted, files or {}, erasable, work.kept_rows)
    else:
        work.strategies = strategies_of(dataset)
        changed = {
            name: root
            for name, root in (files or {}).items()
            if work.strategies.get(name, "keep") != "keep"
        }
        work.files = _files(step.dotted, changed, erasable, work.kept_rows)
        work.outcome.fields = dict(work.strategies)
        work.writes.extend(
            _updates(found, work, pk, erasable, whole=whole, hash_key=hash_key, widths=widths or {})
        )
    return work


def _hold_own_parents(
    dotted: str,
    dataset: Dataset,
    erasable: list[dict[str, Any]],
    work: Work,
    kept: dict[str, tuple[str, list[Any]]],
    pk: str,
) -> list[dict[str, Any]]:
    """Rows a kept row of the same dataset refers to (a kept rental's previous rental) stay
    too, to a fixpoint: deleting them would leave the kept row pointing at nothing."""
    system = dotted.partition(".")[0]
    own = [
        (name, column)
        for name, spec in dataset.fields.items()
        if spec.references is not None
        and (parts := split(spec.references, system)) is not None
        and parts[0] == dotted
        for column in (parts[1],)
    ]
    changed = bool(own)
    while changed:
        changed = False
        named = {
            (column, row.get(name))
            for row in work.kept_rows
            for name, column in own
            if row.get(name) is not None
        }
        staying = [r for r in erasable if any((c, r.get(c)) in named for _, c in own)]
        if staying:
            changed = True
            for row in staying:
                erasable.remove(row)
                work.kept_rows.append(row)
                reason = (
                    "referenced by rows of its own dataset that stay; deleting it would break them"
                )
                kept.setdefault("referenced", (reason, []))[1].append(row[pk])
    return erasable


def _files(
    dotted: str,
    roots: Mapping[str, Path],
    rows: list[dict[str, Any]],
    kept: list[dict[str, Any]],
) -> list[tuple[str, Path]]:
    """The files ``rows`` name in ``roots``' fields, less any a kept row names too.

    A stored path that is a link names the link: the link is removed, never followed. Its
    target must be a file one of these rows names directly (it goes with that row);
    anything else (a file another person's row names, or one no row names, which Pledge
    cannot tell apart without reading every row) refuses the erasure before any write.
    """
    named: list[tuple[str, Any, stored_files.Entry]] = []
    for name, root in roots.items():
        staying = {row.get(name) for row in kept}
        for value in sorted({row.get(name) for row in rows} - staying - {None}, key=str):
            try:
                named.append((name, value, stored_files.entry(root, value)))
            except stored_files.OutsideRoot as exc:
                raise ErasureRefused(
                    f"{dotted}.{name} names a file Pledge will not touch ({exc}); fix the "
                    "stored path or the field's file_root; nothing was changed"
                ) from None
    plain = {found.path for _, _, found in named if found.target is None}
    for name, value, found in named:
        if found.target is not None and found.target not in plain:
            raise ErasureRefused(
                f"{dotted}.{name} names '{value}', a link to {found.target}, which none of the "
                "person's erased rows names: it may be another person's file, and Pledge "
                "removes links, never what they point to; replace the link with the "
                "person's own file, or remove it, and erase again; nothing was changed"
            )
    return [(name, found.path) for name, _, found in named]


def _deletes(
    found: Found, pk: str | None, rows: list[dict[str, Any]], *, whole: bool
) -> list[Write]:
    step = found.step
    if whole:
        # Everything found goes: delete by the values the rows were found with, one
        # statement per match field, rather than thousands of primary keys.
        folds = {m.field: m.fold_case for m in step.matches}
        return [
            Delete(step.dataset, name, values, fold_case=folds.get(name, False))
            for name, values in found.queried.items()
            if values
        ]
    if pk is None:
        raise ErasureRefused(
            f"{step.dotted}: the values that found the person's rows also find rows that are not "
            "theirs (or some of their rows must stay), and the dataset declares no single "
            "primary key to name rows by; declare one (primary_key: true); nothing was changed"
        )
    return [Delete(step.dataset, pk, [r[pk] for r in rows])]


def _updates(
    found: Found,
    work: Work,
    pk: str | None,
    rows: list[dict[str, Any]],
    *,
    whole: bool,
    hash_key: str | None,
    widths: Mapping[str, int],
) -> list[Write]:
    step = found.step
    changing = {f for f, s in work.strategies.items() if s != "keep"}
    if not changing:
        return []
    asked = [m for m in step.matches if found.queried.get(m.field)]
    # When every row goes, update by the values the rows were found with (usually one
    # statement), unless a field they were found by is itself changed by an earlier statement.
    by_values = whole and all(m.field not in changing for m in asked)
    if pk is None and not by_values:
        raise ErasureRefused(
            f"{step.dotted} is erased by updating fields, but it declares no single primary key "
            "and a field it is found by is itself erased; declare its primary key"
        )
    nulled = {f for f in changing if work.strategies[f] == "nullify"}
    mapped = {
        f: transform(work.strategies[f], key=hash_key, width=widths.get(f))
        for f in changing
        if f not in nulled
    }
    for name in changing:
        fn = mapped.get(name, _nothing)
        # A value the strategy leaves as it is (an already masked one) is not targeted.
        present = {r.get(name) for r in rows} - {None}
        work.targeted[name] = {v for v in present if fn(v) != v}
    # Rows erased before hold nothing to change: erasing them again writes nothing.
    rows = [r for r in rows if any(r.get(f) in vals for f, vals in work.targeted.items())]
    if not rows:
        return []
    fixed = {f: None for f in nulled if work.targeted[f]}
    if by_values or pk is None:
        maps = {f: {v: fn(v) for v in work.targeted[f]} for f, fn in mapped.items()}
        return [
            Update(step.dataset, m.field, found.queried[m.field], fixed, maps, m.fold_case)
            for m in asked
        ]
    keys = [r[pk] for r in rows]
    writes: list[Write] = [Update(step.dataset, pk, keys, set_to=fixed)] if fixed else []
    for name, fn in mapped.items():
        # Group rows by the slice of the map their value falls in, so each statement carries
        # one slice and only the keys that need it (not every slice times every key).
        olds = sorted(work.targeted[name], key=repr)
        for start in range(0, len(olds), PAIRS):
            part = olds[start : start + PAIRS]
            wanted = set(part)
            part_keys = [r[pk] for r in rows if r.get(name) in wanted]
            mapping = {v: fn(v) for v in part}
            writes.append(Update(step.dataset, pk, part_keys, replace={name: mapping}))
    return writes


def _nothing(_value: Any) -> Any:
    return None
