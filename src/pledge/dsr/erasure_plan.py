"""What an erasure will do, decided before any system is touched: the order of systems, the
columns to read, and every dataset's writes.

Rows that stay (kept under an exemption, or updated rather than deleted) still point at their
parents. A parent held by kept rows is kept too, with the reason; a parent that rows merely
updated still reference cannot be deleted without breaking those references, so that
erasure is refused before the first write, naming both datasets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pledge import files
from pledge.connectors import Connector
from pledge.declaration.model import Dataset, Declaration
from pledge.dsr.erasure_work import ErasureRefused, Work, plan_dataset
from pledge.dsr.strategies import width_of
from pledge.rules.exemptions import exemptions_for
from pledge.rules.retention import Hold
from pledge.subjects.graph import target
from pledge.subjects.identity import Identity
from pledge.subjects.locate import Found
from pledge.subjects.plan import Plan, Step


def system_order(declaration: Declaration, plan: Plan) -> list[str]:
    """Reached systems, each before the systems its rows reference (children first)."""
    order = list(dict.fromkeys(plan.step(n).system for n in plan.erasure_order))
    parents: dict[str, set[str]] = {s: set() for s in order}
    for system in order:
        for dataset in declaration.systems[system].datasets.values():
            for spec in dataset.fields.values():
                if spec.references is not None:
                    other = target(spec.references, system)[0].split(".")[0]
                    if other != system and other in parents:
                        parents[system].add(other)
    done: list[str] = []
    while len(done) < len(order):
        # A system may go once nothing left to do references it.
        left = [s for s in order if s not in done]
        ready = [s for s in left if not any(s in parents[o] for o in left if o != s)]
        done.append(ready[0] if ready else left[0])
    return done


def columns(declaration: Declaration, step: Step) -> list[str]:
    dataset = declaration.systems[step.system].datasets[step.dataset]
    names = [e.column for e in exemptions_for(declaration, step.system, step.dataset)]
    names += [n for n, f in dataset.fields.items() if f.erase in ("nullify", "mask", "hash")]
    names += [n for n, f in dataset.fields.items() if f.identity is not None]
    names += list(files.file_fields(dataset))
    # Fields that other datasets of this system reference: a kept child holds these back.
    for other in declaration.systems[step.system].datasets.values():
        for spec in other.fields.values():
            if spec.references is not None:
                parent, column = target(spec.references, step.system)
                if parent == step.dotted:
                    names.append(column)
    return names


def plan_works(
    declaration: Declaration,
    plan: Plan,
    found: Mapping[int, Found],
    now: datetime,
    key: str | None,
    holds: Mapping[str, tuple[str, str]] | None = None,
    widths: Mapping[int, Mapping[str, int]] | None = None,
    folder: Path | None = None,
) -> dict[int, Work]:
    """Every dataset's writes, decided before any system is touched.

    ``holds`` maps "system.dataset" (or "*" for the whole person) to a legal hold's name and
    reason: those rows are kept whatever their age. ``widths`` gives, per step, the length
    limits of its hashed text columns. ``folder`` is the declaration's: relative file roots
    are under it (the current folder when None).
    """
    holds = holds or {}
    works: dict[int, Work] = {}
    held: dict[str, dict[str, set[Any]]] = {}
    staying: dict[str, dict[str, dict[Any, str]]] = {}
    for number in plan.erasure_order:
        step = plan.step(number)
        dataset = declaration.systems[step.system].datasets[step.dataset]
        rules = exemptions_for(declaration, step.system, step.dataset)
        work = plan_dataset(
            found[number],
            dataset,
            rules,
            now=now,
            hash_key=key,
            held=held.get(step.dotted),
            hold=holds.get(step.dotted) or holds.get("*"),
            widths=(widths or {}).get(number),
            files={
                name: files.root_of(root, folder or Path.cwd())
                for name, root in files.file_fields(dataset).items()
            },
        )
        works[number] = work
        if dataset.erase == "delete":
            _refuse_orphans(step, found[number], work, staying.get(step.dotted, {}))
        kept = {id(r) for r in work.kept_rows}
        updated = [r for r in found[number].rows if id(r) not in kept]
        for rows, into in ((work.kept_rows, held), (updated, None)):
            if into is None and dataset.erase != "update":
                continue
            for parent, column, value in _references(declaration, step, dataset, rows):
                if into is not None:
                    into.setdefault(parent, {}).setdefault(column, set()).add(value)
                else:
                    staying.setdefault(parent, {}).setdefault(column, {})[value] = step.dotted
    return works


def _references(
    declaration: Declaration, step: Step, dataset: Dataset, rows: list[dict[str, Any]]
) -> set[tuple[str, str, Any]]:
    """(parent, parent column, value) for each reference in ``rows`` to a dataset erased by
    deleting rows: the parents a staying row holds back. Across systems too: no foreign key
    guards a reference there, so nothing else would notice it left pointing at nothing."""
    links: list[tuple[str, str, str]] = []
    for name, spec in dataset.fields.items():
        if spec.references is None:
            continue
        parent, column = target(spec.references, step.system)
        system, _, parent_name = parent.partition(".")
        if declaration.systems[system].datasets[parent_name].erase == "delete":
            links.append((name, parent, column))
    return {
        (parent, column, value)
        for name, parent, column in links
        for value in {row.get(name) for row in rows}
        if value is not None
    }


def _refuse_orphans(
    step: Step, found: Found, work: Work, staying: Mapping[str, Mapping[Any, str]]
) -> None:
    kept = {id(r) for r in work.kept_rows}
    for row in found.rows:
        if id(row) in kept:
            continue
        for column, values in staying.items():
            child = values.get(row.get(column))
            if child is not None:
                raise ErasureRefused(
                    f"{step.dotted} is erased by deleting rows, but {child} is erased by "
                    f"updating fields and its rows still refer to them ({column}); deleting "
                    f"would break those references. Erase {child} by delete, or "
                    f"{step.dotted} by update; nothing was changed"
                )


def legal_holds(
    holds: Iterable[Hold], identities: Iterable[Identity]
) -> dict[str, tuple[str, str]]:
    """The legal holds (Art. 17(3)(e), legal claims) that apply to this erasure.

    A dataset hold keeps that dataset; a hold on any identity the person was given or found
    by keeps all of the person's rows ("*").
    """
    forms = {(i.kind, form) for i in identities for form in i.forms}
    out: dict[str, tuple[str, str]] = {}
    for hold in holds:
        reason = f"legal hold set by {hold.set_by}: {hold.reason}"
        if hold.identity is None and hold.dataset is not None:
            out.setdefault(hold.dataset, (f"hold #{hold.id}", reason))
        elif any((hold.identity, f) in forms for f in (hold.forms or (hold.value,))):
            out.setdefault("*", (f"hold #{hold.id}", reason))
    return out


def hash_widths(
    declaration: Declaration, plan: Plan, conns: Mapping[str, Connector]
) -> dict[int, dict[str, int]]:
    """Length limits of the columns a hash is written to, read from the systems themselves."""
    out: dict[int, dict[str, int]] = {}
    for step in plan.steps:
        conn = conns.get(step.system)
        fields = declaration.systems[step.system].datasets[step.dataset].fields
        hashed = [n for n, f in fields.items() if f.erase == "hash"]
        if conn is None or not hashed:
            continue
        # Connectors give types with their lengths (PostgreSQL: character varying(36)).
        types = conn.columns(step.dataset)
        limits = {n: w for n in hashed if (w := width_of(types.get(n, ""))) is not None}
        if limits:
            out[step.number] = limits
    return out
