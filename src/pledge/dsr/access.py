"""Run an access plan: find the person's rows with the one runner, then hand each dataset's
rows to a writer in batches (the package writer spools them to disk).

Each step is one set-based read per matched field and pass (an IN-list of every value that
locates the person, chunked by the connector), never one query per row. The person's rows are
held in memory until they are checked (nothing is packaged for a request that must stop):
memory grows with one person's data, never with a table.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from pledge.connectors.base import BATCH, Connector, ConnectorError, Row
from pledge.connectors.registry import connect
from pledge.declaration.model import Declaration
from pledge.subjects.plan import Plan
from pledge.subjects.reach import Choices, Person, run

#: Receives one dataset's batches ("system.dataset", batches) and returns its row count.
Writer = Callable[[str, Iterable[list[Row]]], int]


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
    choices: Choices | None = None,
) -> dict[str, int]:
    """Find the person's rows (:mod:`pledge.subjects.reach`), then hand each dataset's rows to
    ``write`` in batches; rows found per dataset, context rows shown included.

    Every row is found, and the request checked, before the first ``write``: a request that
    must stop (ambiguous identity, blast radius) raises ReachStopped with nothing packaged.
    """
    person = Person(plan, choices or Choices())
    try:
        run([person], systems, context=True)
    except ConnectorError as exc:
        raise AccessFailed(f"reading failed: {exc}", exc.system) from exc
    if person.stopped is not None:
        raise person.stopped
    counts: dict[str, int] = {}
    for step in plan.steps:
        rows = person.found[step.number].rows
        counts[step.dotted] = write(step.dotted, _batches(rows, batch_size))
    for dotted, rows in person.context.items():
        if rows:
            counts[dotted] = write(dotted, _batches(rows, batch_size))
    return counts


def _batches(rows: list[Row], size: int) -> Iterator[list[Row]]:
    return (rows[i : i + size] for i in range(0, len(rows), size))
