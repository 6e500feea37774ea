"""Many queued access requests at once: one query per dataset for the whole batch, then each
person's rows split out into their own package. The reading is the one runner's
(:func:`pledge.subjects.reach.run`, given the whole batch); this module groups, packages and
overlaps the two.

Answered one by one, 1,000 requests cost 1,000 times the round trips of one (20 datasets,
several reads each). Here the requests are grouped by the kinds of identity they give (their
*shape*); each shape is planned once, and every read of a step carries the values of every
person in the batch (the connector splits long IN-lists into statements of 500 values). Each
row read is given to the people whose values it matched, so each person ends with exactly the
rows their own request would have found: values only ever spread from a person's own rows.

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pledge import files as stored_files
from pledge.connectors.base import BATCH, Connector, ConnectorError, Row
from pledge.declaration import Loaded
from pledge.declaration.model import Declaration
from pledge.dsr.disclosure import disclose
from pledge.dsr.package import PackageWriter
from pledge.dsr.report import Answer, Preview, render
from pledge.subjects.identity import Identity
from pledge.subjects.plan import Plan, Step, make_plan
from pledge.subjects.reach import Person, ReachStopped, run
from pledge.subjects.systems import AccessFailed, open_systems

#: People per round of reads.
PEOPLE = 1_000
#: People per round when packages are written too: small enough that packaging one round
#: overlaps reading the next.
ROUND = 250
#: Processes writing packages.
WORKERS = min(2, os.cpu_count() or 1)


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
            try:
                run([person for _, person in chunk], systems, context=True, batch_size=batch_size)
            except ConnectorError as exc:
                raise AccessFailed(f"reading failed: {exc}", exc.system) from exc
            yield chunk


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
    stopped: Callable[[int, ReachStopped], None] | None = None,
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
        stops: list[ReachStopped] = []
        for done in read_rounds(declaration, subjects, systems, people=people):
            for index, person in done:
                if person.stopped is not None:
                    stops.append(person.stopped)
                    if stopped is not None:
                        stopped(index, person.stopped)
                    continue
                rows = _answer(person)
                if found is not None:
                    found(index, {dotted: len(r) for dotted, r in rows.items()})
                label = labels[index]
                job = (rows, subjects[index], label, out / f"access-{label}.zip")
                roots = _file_roots(loaded, person.plan)
                pending.append((index, pool.submit(_package_job, *job, now, passphrase, roots)))
                person.found = {}  # the packager has the rows now
        for count, (index, future) in enumerate(pending, 1):
            path = paths[index] = future.result()
            if progress is not None:
                progress(count, path)
    if stops and stopped is None:
        raise stops[0]
    return [p for p in paths if p is not None]


def _answer(person: Person) -> dict[str, list[Row]]:
    """What a person's package holds: their rows per step, then the context rows shown."""
    rows = {f.step.dotted: f.rows for f in person.found.values()}
    rows.update({dotted: shown for dotted, shown in person.context.items() if shown})
    return rows


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
