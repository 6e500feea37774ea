"""Run an access plan: find the person's rows with the one runner, then hand each dataset's
rows to a writer in batches (the package writer spools them to disk).

Each step is one set-based read per matched field and pass (an IN-list of every value that
locates the person, chunked by the connector), never one query per row. The person's rows are
held in memory until they are checked (nothing is packaged for a request that must stop):
memory grows with one person's data, never with a table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from pledge.connectors.base import BATCH, Connector, ConnectorError, Row
from pledge.subjects.plan import Plan
from pledge.subjects.reach import Choices, Person, run
from pledge.subjects.systems import AccessFailed

#: Receives one dataset's batches ("system.dataset", batches) and returns its row count.
Writer = Callable[[str, Iterable[list[Row]]], int]


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
