"""Run an access plan: read every row of the person's data, system by system, in batches, and
hand the batches to a writer as they arrive (the package writer streams them to disk).

Each step is one set-based read per matched field (an IN-list of every value that locates the
person, chunked by the connector), never one query per row. Memory holds one batch of rows,
plus the key values later steps need, which grow with the person's data, not the table's.

Loops in a plan (a later dataset leading back to an earlier one) are resolved first by a
locate pass that re-runs earlier steps for values not yet queried until nothing new turns up;
it keeps the rows of the datasets it read while they are few, and the read pass then reads
every other dataset once with the final values.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pledge.connectors.base import BATCH, Connector, ConnectorError, Row, Select
from pledge.connectors.registry import connect
from pledge.declaration.model import Declaration
from pledge.subjects.plan import Plan, Step, source_values

#: Receives one dataset's batches ("system.dataset", batches) and returns its row count.
Writer = Callable[[str, Iterable[list[Row]]], int]
#: Rows of one dataset the loop-resolving pass may hold (see _locate).
KEEP_ROWS = 5_000
#: (step number, field) → the values that locate the person's rows there.
Values = dict[tuple[int, str], set[Any]]


class AccessFailed(Exception):
    """The request could not be answered; the message names the system and what went wrong."""

    def __init__(self, message: str, system: str | None = None) -> None:
        super().__init__(message)
        self.system = system


@contextlib.contextmanager
def open_systems(
    declaration: Declaration,
    plan: Plan,
    *,
    environ: Mapping[str, str],
    folder: Path,
    reuse: Mapping[str, Connector] | None = None,
) -> Iterator[dict[str, Connector]]:
    """Every system the plan reads, opened before anything is read, closed afterwards.

    Opening all of them first means a system that is down fails the request at once, with
    the system named, before a partial answer exists. ``reuse`` holds connectors a long-lived
    caller (a service, a batch of requests) keeps open; those are used and left open.
    """
    opened: dict[str, Connector] = {}
    servers: dict[str, Connector] = {}  # systems on one database share its connection
    kept = dict(reuse or {})
    try:
        for name in dict.fromkeys(step.system for step in plan.steps):
            if name in kept:
                continue
            try:
                opened[name] = connect(
                    name,
                    declaration.systems[name],
                    environ=environ,
                    folder=folder,
                    servers=servers,
                )
            except ConnectorError as exc:
                raise AccessFailed(
                    f"system '{name}' could not be reached, so the request was not answered: {exc}",
                    name,
                ) from exc
        yield {**kept, **opened}
    finally:
        for connector in opened.values():
            with contextlib.suppress(Exception):
                connector.close()


def read_subject(
    plan: Plan,
    systems: Mapping[str, Connector],
    write: Writer,
    *,
    batch_size: int = BATCH,
) -> dict[str, int]:
    """Stream the person's rows of every step to ``write``; rows found per dataset."""
    needed = _needed(plan)
    located = _locate(plan, systems, needed, batch_size) if plan.loops else None
    found: Values = defaultdict(set)
    counts: dict[str, int] = {}
    for step in plan.steps:
        wanted = needed[step.number]
        kept = located.rows.get(step.number) if located is not None else None
        batches: Iterable[list[Row]]
        if kept is not None:
            batches = (kept[i : i + batch_size] for i in range(0, len(kept), batch_size))
        else:
            values = located.values if located is not None else _values_for(plan, step, found)
            batches = _rows(systems[step.system], step, values, wanted, found, batch_size)
        try:
            counts[step.dotted] = write(step.dotted, batches)
        except ConnectorError as exc:
            raise AccessFailed(f"reading {step.dotted} failed: {exc}", step.system) from exc
    return counts


def _values_for(plan: Plan, step: Step, found: Values) -> Values:
    """The values each of ``step``'s fields is matched against, from earlier steps' rows."""
    out: Values = {}
    for match in step.matches:
        values: set[Any] = set()
        for source in match.sources:
            values.update(source_values(plan, source, _reader(found)))
        out[(step.number, match.field)] = values
    return out


def _reader(found: Values) -> Callable[[int, str], Iterable[Any]]:
    return lambda step, column: found.get((step, column), ())


def _rows(
    connector: Connector,
    step: Step,
    values: Values,
    wanted: set[str],
    found: Values,
    batch_size: int,
) -> Iterator[list[Row]]:
    """The step's rows, batch by batch, each row once even when several fields match it."""
    active = [m for m in step.matches if values.get((step.number, m.field))]
    seen: set[Any] | None = set() if len(active) > 1 else None
    for match in active:
        query = Select(
            table=step.dataset,
            key=match.field,
            values=sorted(values[(step.number, match.field)], key=repr),
            fold_case=match.fold_case,
        )
        for batch in connector.read(query, batch_size=batch_size):
            if seen is not None:
                batch = [row for row in batch if _first_time(seen, step, row)]
            for column in wanted:
                found[(step.number, column)].update(
                    row[column] for row in batch if row.get(column) is not None
                )
            if batch:
                yield batch


def _first_time(seen: set[Any], step: Step, row: Row) -> bool:
    key = row.get(step.primary_key) if step.primary_key else repr(tuple(row.values()))
    if key in seen:
        return False
    seen.add(key)
    return True


def _needed(plan: Plan) -> dict[int, set[str]]:
    # Step.columns_needed walks the whole plan; asked once per step here, not once per read.
    return {step.number: step.columns_needed(plan) for step in plan.steps}


@dataclass
class _Located:
    """What the loop-resolving pass found: every value queried per (step, field), and the
    rows of the steps it read whole, while they were few enough to keep."""

    values: Values
    rows: dict[int, list[Row] | None]


def _locate(
    plan: Plan, systems: Mapping[str, Connector], needed: dict[int, set[str]], batch_size: int
) -> _Located:
    """Resolve loops: the final values for every (step, field).

    Each (step, field, value) is queried once; steps are re-run for new values until none
    appears, which ends because values only come from rows that exist. Steps whose columns
    lead elsewhere are read whole and their rows kept, up to KEEP_ROWS per step, so the read
    pass does not query them again (each read is a round trip, the cost that matters on a
    server); a step with more rows is dropped from memory and read again, streamed.
    """
    found: Values = defaultdict(set)
    queried: Values = defaultdict(set)
    kept: dict[int, list[Row] | None] = {n: [] for n, cols in needed.items() if cols}
    seen: dict[int, set[Any]] = defaultdict(set)
    changed = True
    while changed:
        changed = False
        for step in plan.steps:
            wanted = needed[step.number]
            for match in step.matches:
                key = (step.number, match.field)
                values: set[Any] = set()
                for source in match.sources:
                    values.update(source_values(plan, source, _reader(found)))
                new = values - queried[key]
                if not new:
                    continue
                changed = True
                queried[key] |= new
                if not wanted:
                    continue  # nothing downstream reads this step's columns
                query = Select(
                    table=step.dataset,
                    key=match.field,
                    values=sorted(new, key=repr),
                    fold_case=match.fold_case,
                )
                try:
                    for batch in systems[step.system].read(query, batch_size=batch_size):
                        for column in wanted:
                            found[(step.number, column)].update(
                                r[column] for r in batch if r.get(column) is not None
                            )
                        _keep(kept, seen, step, batch)
                except ConnectorError as exc:
                    raise AccessFailed(f"reading {step.dotted} failed: {exc}", step.system) from exc
    return _Located(dict(queried), kept)


def _keep(
    kept: dict[int, list[Row] | None], seen: dict[int, set[Any]], step: Step, batch: list[Row]
) -> None:
    rows = kept.get(step.number)
    if rows is None:
        return
    rows.extend(row for row in batch if _first_time(seen[step.number], step, row))
    if len(rows) > KEEP_ROWS:
        kept[step.number] = None  # too many to hold: the read pass streams them instead
        seen.pop(step.number, None)
