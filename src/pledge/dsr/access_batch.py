"""Many queued access requests at once: one query per dataset for the whole batch, then each
person's rows split out into their own package.

Answered one by one, 1,000 requests cost 1,000 times the round trips of one (20 datasets,
several reads each). Here the requests are grouped by the kinds of identity they give (their
*shape*); each shape is planned once, and every read of a step carries the values of every
person in the batch (the connector splits long IN-lists into statements of 500 values). Each
row read is given to the people whose values it matched, so each person ends with exactly the
rows their own request would have found: values only ever spread from a person's own rows.

Loops are followed as :func:`pledge.dsr.access.read_subject` follows them: steps are run
again for values not yet queried until nothing new turns up, for everyone at once.

Memory holds the batch's rows (the people's data, never a table's); choose the batch so that
fits (``batch`` people per round, 1,000 by default).
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pledge import files as stored_files
from pledge.connectors.base import BATCH, Connector, ConnectorError, Row, Select
from pledge.declaration import Loaded
from pledge.declaration.model import Declaration
from pledge.dsr.access import AccessFailed, open_systems
from pledge.dsr.disclosure import disclose
from pledge.dsr.package import PackageWriter
from pledge.dsr.report import Answer, Preview, render
from pledge.subjects.identity import Identity
from pledge.subjects.plan import Match, Plan, Step, make_plan, source_values

#: People per round of reads.
PEOPLE = 1_000
#: People per round when packages are written too: small enough that packaging one round
#: overlaps reading the next.
ROUND = 250
#: Processes writing packages.
WORKERS = min(2, os.cpu_count() or 1)


@dataclass(eq=False)  # people are told apart by identity, not by equal rows
class Person:
    """One request of the batch: its plan and, after reading, its rows per dataset."""

    plan: Plan
    #: "system.dataset" → the person's rows, in plan order.
    rows: dict[str, list[Row]] = field(default_factory=dict)
    _found: dict[tuple[int, str], set[Any]] = field(
        default_factory=lambda: defaultdict(set), repr=False
    )
    _queried: dict[tuple[int, str], set[Any]] = field(
        default_factory=lambda: defaultdict(set), repr=False
    )
    _seen: dict[int, set[Any]] = field(default_factory=lambda: defaultdict(set), repr=False)
    #: (step, column) → how many values it has found; (step, field) → those counts when the
    #: field's values were last worked out (unchanged counts: nothing new to query).
    _versions: dict[tuple[int, str], int] = field(default_factory=dict, repr=False)
    _asked: dict[tuple[int, str], tuple[int, ...]] = field(default_factory=dict, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        return {dotted: len(rows) for dotted, rows in self.rows.items()}


def shape(identities: Sequence[Identity]) -> tuple[str, ...]:
    """The kinds of identity given, which is all a plan depends on."""
    return tuple(sorted({i.kind for i in identities}))


def plans(declaration: Declaration, subjects: Sequence[Sequence[Identity]]) -> list[Plan]:
    """One plan per subject, made once per shape and given each subject's identities."""
    made: dict[tuple[str, ...], Plan] = {}
    out: list[Plan] = []
    for identities in subjects:
        key = shape(identities)
        if key not in made:
            made[key] = make_plan(declaration, identities)
        out.append(dataclasses.replace(made[key], identities=tuple(identities)))
    return out


def read_many(
    declaration: Declaration,
    subjects: Sequence[Sequence[Identity]],
    systems: Mapping[str, Connector],
    *,
    people: int = PEOPLE,
    batch_size: int = BATCH,
) -> list[Person]:
    """Every subject's rows, read ``people`` subjects at a time, one query per step and field
    per round (more when the values pass the connector's IN-list chunk)."""
    persons: list[Person | None] = [None] * len(subjects)
    for done in read_rounds(declaration, subjects, systems, people=people, batch_size=batch_size):
        for index, person in done:
            persons[index] = person
    return [p for p in persons if p is not None]


def read_rounds(
    declaration: Declaration,
    subjects: Sequence[Sequence[Identity]],
    systems: Mapping[str, Connector],
    *,
    people: int = PEOPLE,
    batch_size: int = BATCH,
) -> Iterator[list[tuple[int, Person]]]:
    """Read ``people`` subjects at a time; yield each round's (position, person) when done."""
    groups: dict[tuple[str, ...], list[tuple[int, Person]]] = defaultdict(list)
    for index, (plan, identities) in enumerate(
        zip(plans(declaration, subjects), subjects, strict=True)
    ):
        groups[shape(identities)].append((index, Person(plan)))
    for group in groups.values():
        for start in range(0, len(group), people):
            chunk = group[start : start + people]
            _read_round([person for _, person in chunk], systems, batch_size)
            yield chunk


def _read_round(group: list[Person], systems: Mapping[str, Connector], batch_size: int) -> None:
    plan = group[0].plan  # every person of a group has the same steps
    needed = {s.number: s.columns_needed(plan) for s in plan.steps}
    changed = True
    while changed:
        changed = False
        for step in plan.steps:
            for match in step.matches:
                slot = (step.number, match.field)
                wanted: dict[Any, list[Person]] = defaultdict(list)
                values: dict[Any, Any] = {}
                for person in group:
                    new = _new_values(person, slot, match)
                    for value in new:
                        for key in _keys(value, match.fold_case):
                            wanted[key].append(person)
                        values.setdefault(_key(value, match.fold_case), value)
                if not values:
                    continue
                changed = True
                connector = systems[step.system]
                try:
                    _read_step(connector, step, match, values, wanted, needed, batch_size)
                except ConnectorError as exc:
                    raise AccessFailed(f"reading {step.dotted} failed: {exc}", step.system) from exc
    for person in group:
        person.rows = {s.dotted: person.rows.get(s.dotted, []) for s in plan.steps}


def _read_step(
    connector: Connector,
    step: Step,
    match: Match,
    values: Mapping[Any, Any],
    wanted: Mapping[Any, list[Person]],
    needed: Mapping[int, set[str]],
    batch_size: int,
) -> None:
    """Read one step's rows for one field and give each row to the people it matched.

    When the step has been read before by another field (a call found by the account and
    by the number it was made from), only the keys are read first, and whole rows only for
    the keys someone has not been given yet: the same rows are not carried twice.
    """
    pk = step.primary_key
    ordered = sorted(values.values(), key=repr)
    narrow = pk is not None and any(step.number in p._seen for ps in wanted.values() for p in ps)
    if not narrow or pk is None:
        query = Select(step.dataset, match.field, ordered, fold_case=match.fold_case)
        for batch in connector.read(query, batch_size=batch_size):
            for row in batch:
                owners = wanted.get(_key(row.get(match.field), match.fold_case), ())
                for person in dict.fromkeys(owners):
                    _give(person, step, needed[step.number], row)
        return
    missing: dict[Any, list[Person]] = defaultdict(list)
    query = Select(step.dataset, match.field, ordered, (pk, match.field), match.fold_case)
    for batch in connector.read(query, batch_size=batch_size):
        for row in batch:
            owners = wanted.get(_key(row.get(match.field), match.fold_case), ())
            for person in dict.fromkeys(owners):
                if row[pk] not in person._seen[step.number]:
                    missing[row[pk]].append(person)
    if not missing:
        return
    whole = Select(step.dataset, pk, sorted(missing, key=repr))
    for batch in connector.read(whole, batch_size=batch_size):
        for row in batch:
            for person in dict.fromkeys(missing.get(row[pk], ())):
                _give(person, step, needed[step.number], row)


def _new_values(person: Person, slot: tuple[int, str], match: Match) -> set[Any]:
    """Values of ``match`` not yet queried for ``person``; empty, without working them out,
    when none of the columns they come from has changed since last asked."""
    marks = tuple(
        person._versions.get((s.step, s.column or ""), 0)
        for s in match.sources
        if s.step is not None
    )
    if person._asked.get(slot) == marks:
        return set()
    person._asked[slot] = marks
    new = _values(person, match) - person._queried[slot]
    person._queried[slot] |= new
    return new


def _give(person: Person, step: Step, needed: set[str], row: Row) -> None:
    pk = step.primary_key
    key = row.get(pk) if pk else repr(tuple(row.values()))
    seen = person._seen[step.number]
    if key in seen:
        return
    seen.add(key)
    person.rows.setdefault(step.dotted, []).append(row)
    for column in needed:
        value = row.get(column)
        if value is not None:
            found = person._found[(step.number, column)]
            if value not in found:
                found.add(value)
                person._versions[(step.number, column)] = (
                    person._versions.get((step.number, column), 0) + 1
                )


def _values(person: Person, match: Match) -> set[Any]:
    out: set[Any] = set()
    for source in match.sources:
        out.update(source_values(person.plan, source, _reader(person)))
    return out


def _reader(person: Person) -> Callable[[int, str], Iterable[Any]]:
    return lambda step, column: person._found.get((step, column), ())


def _key(value: Any, fold_case: bool) -> Any:
    """How a value read back is matched to the value asked for: as text (a key asked as
    "12" comes back as 12 from an integer column), case-folded for emails."""
    text = str(value)
    return text.lower() if fold_case else text


def _keys(value: Any, fold_case: bool) -> list[Any]:
    keys = [_key(value, fold_case)]
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        keys.append(str(int(value.strip())))  # what an integer column gives back
    return keys


def access_many(
    loaded: Loaded,
    subjects: Sequence[Sequence[Identity]],
    *,
    environ: Mapping[str, str],
    out: Path,
    names: Sequence[str] | None = None,
    connectors: Mapping[str, Connector] | None = None,
    now: datetime | None = None,
    passphrase: str | None = None,
    people: int = ROUND,
    workers: int = WORKERS,
    progress: Callable[[int, Path], None] | None = None,
    found: Callable[[int, dict[str, int]], None] | None = None,
) -> list[Path]:
    """Answer every subject: read them together, write one package per subject into ``out``.

    ``names`` names each request (its id; the package is ``access-<name>.zip``), by default
    its position in ``subjects``. ``connectors`` are systems kept open by the caller.
    Subjects are read ``people`` at a time; ``workers`` processes write the packages of one
    round while the next is read (0: written here, after each round). ``found`` is told each
    subject's position and rows per dataset as soon as they are read.
    """
    declaration = loaded.declaration
    now = now or datetime.now(UTC)
    labels = list(names) if names is not None else [str(i + 1) for i in range(len(subjects))]
    if len(labels) != len(subjects):
        raise ValueError("give one name per subject")
    every = plans(declaration, subjects[:1])[0] if subjects else None
    if every is None:
        return []
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path | None] = [None] * len(subjects)
    union = dataclasses.replace(every, steps=_all_steps(declaration, subjects))
    with (
        _packagers(declaration, workers) as pool,
        open_systems(
            declaration, union, environ=environ, folder=loaded.folder, reuse=connectors
        ) as systems,
    ):
        pending: list[tuple[int, Future[Path]]] = []
        for done in read_rounds(declaration, subjects, systems, people=people):
            for index, person in done:
                if found is not None:
                    found(index, person.counts)
                label = labels[index]
                job = (person.rows, subjects[index], label, out / f"access-{label}.zip")
                roots = _file_roots(loaded, person.plan)
                pending.append((index, pool.submit(_package_job, *job, now, passphrase, roots)))
                person.rows = {}  # the packager has them now
        for count, (index, future) in enumerate(pending, 1):
            path = paths[index] = future.result()
            if progress is not None:
                progress(count, path)
    return [p for p in paths if p is not None]


@contextlib.contextmanager
def _packagers(declaration: Declaration, workers: int) -> Iterator[Executor]:
    """Where packages are written: ``workers`` processes (the report and the zip are CPU
    work, done while the next round is read), or this process when ``workers`` is 0."""
    if workers < 1:
        with _Here(declaration) as here:
            yield here
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_adopt, initargs=(declaration,)
    ) as pool:
        yield pool


_DECLARATION: list[Declaration] = []


def _adopt(declaration: Declaration) -> None:
    _DECLARATION[:] = [declaration]


def _package_job(
    rows: dict[str, list[Row]],
    identities: Sequence[Identity],
    label: str,
    path: Path,
    now: datetime,
    passphrase: str | None,
    roots: Mapping[str, Mapping[str, Path]] | None = None,
) -> Path:
    return _package(_DECLARATION[0], rows, identities, label, path, now, passphrase, roots)


class _Here(Executor):
    """Packages written in this process, one at a time."""

    def __init__(self, declaration: Declaration) -> None:
        _adopt(declaration)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


def _all_steps(
    declaration: Declaration, subjects: Sequence[Sequence[Identity]]
) -> tuple[Step, ...]:
    """The steps of every shape's plan: every system any of them reads."""
    seen: dict[str, Step] = {}
    for plan in plans(declaration, list({shape(s): s for s in subjects}.values())):
        for step in plan.steps:
            seen.setdefault(step.system, step)
    return tuple(seen.values())


def _package(
    declaration: Declaration,
    rows: Mapping[str, list[Row]],
    identities: Sequence[Identity],
    label: str,
    path: Path,
    now: datetime,
    passphrase: str | None,
    roots: Mapping[str, Mapping[str, Path]] | None = None,
) -> Path:
    given: dict[str, list[str]] = {}
    for identity in identities:
        given.setdefault(identity.kind, []).append(identity.value)
    with PackageWriter(path, passphrase=passphrase, files=roots) as package:
        for dotted, found in rows.items():
            package.add(dotted, _batches(found))
        counts = dict(package.counts)

        def report(previews: Mapping[str, Preview]) -> str:
            answer = Answer(label, now, given, previews, package.files)
            return render(disclose(declaration, counts), answer)

        header: dict[str, Any] = {
            "controller": declaration.controller.name,
            "request": label,
            "kind": "access",
            "generated_at": now.isoformat(),
            "identities": given,
        }
        return package.finish(header, report)


def _file_roots(loaded: Loaded, plan: Plan) -> dict[str, dict[str, Path]]:
    """Per dataset the plan reads, its file fields and their resolved roots (as ``respond``
    gives a single request's package)."""
    out: dict[str, dict[str, Path]] = {}
    for step in plan.steps:
        dataset = loaded.declaration.systems[step.system].datasets[step.dataset]
        fields = stored_files.file_fields(dataset)
        if fields:
            out[step.dotted] = {
                n: stored_files.root_of(r, loaded.folder) for n, r in fields.items()
            }
    return out


def _batches(rows: list[Row], size: int = BATCH) -> Iterable[list[Row]]:
    return (rows[i : i + size] for i in range(0, len(rows), size))
