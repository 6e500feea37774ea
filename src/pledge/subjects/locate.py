"""Find a person's rows by running a plan: what erasure, rectification and restriction act on.

Each step reads only the columns its caller asks for plus the ones later steps take values
from; rows stay in memory, which is bounded by one person's data. Loops are followed by
passing over the steps again with the values not queried yet, until a pass finds nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pledge.connectors import Connector, Row, Select
from pledge.subjects.plan import Match, Plan, Step, source_values


@dataclass
class Found:
    """The rows one step found, and every value each of its match fields was queried with."""

    step: Step
    rows: list[Row] = field(default_factory=list)
    queried: dict[str, list[Any]] = field(default_factory=dict)
    _seen: set[tuple[Any, ...]] = field(default_factory=set, repr=False)
    _values: dict[str, tuple[int, list[Any]]] = field(default_factory=dict, repr=False)

    def add(self, rows: Iterable[Row]) -> int:
        """Keep rows not seen before (a row may match on two fields); how many were new."""
        new = 0
        pk = self.step.primary_key
        for row in rows:
            identity = (row[pk],) if pk and pk in row else tuple(sorted(row.items(), key=str))
            if identity not in self._seen:
                self._seen.add(identity)
                self.rows.append(row)
                new += 1
        return new

    def values(self, column: str) -> list[Any]:
        """Distinct non-null values of ``column`` in the rows found."""
        # Asked on every pass over the plan; worked out again only when rows were added.
        cached = self._values.get(column)
        if cached is not None and cached[0] == len(self.rows):
            return cached[1]
        found = list(dict.fromkeys(r[column] for r in self.rows if r.get(column) is not None))
        self._values[column] = (len(self.rows), found)
        return found


#: Rows per fetch: one person's rows are all kept anyway, so fewer round trips cost nothing.
READ_BATCH = 10_000
#: Columns a caller wants read for each step, beyond keys and match fields.
Wanted = Callable[[Step], Iterable[str]]


def locate(
    plan: Plan,
    connectors: Mapping[str, Connector],
    wanted: Wanted = lambda _step: (),
    *,
    seed: Mapping[int, Mapping[str, Iterable[Any]]] | None = None,
) -> dict[int, Found]:
    """Run ``plan`` and return each step's rows; ``seed`` adds values to query per step/field.

    ``seed`` is how erasure verifies: the values queried before erasing are queried again, so
    rows whose parent was deleted (and can no longer be reached) are still checked.
    """
    found = {s.number: Found(s) for s in plan.steps}
    columns = {s.number: _columns(plan, s, wanted) for s in plan.steps}
    progress = True
    while progress:
        progress = False
        for step in plan.steps:
            here = found[step.number]
            connector = connectors.get(step.system)
            if connector is None:
                continue  # a system left out on purpose (replay of one restored system)
            for match in step.matches:
                values = _values(match, plan, found)
                if seed is not None:
                    values.extend(seed.get(step.number, {}).get(match.field, ()))
                asked = here.queried.setdefault(match.field, [])
                before = set(asked)
                new = [v for v in dict.fromkeys(values) if v not in before]
                if not new:
                    continue
                asked.extend(new)
                query = Select(
                    step.dataset, match.field, new, columns[step.number], match.fold_case
                )
                for batch in connector.read(query, batch_size=READ_BATCH):
                    if here.add(batch):
                        progress = True
    return found


def _columns(plan: Plan, step: Step, wanted: Wanted) -> tuple[str, ...]:
    names = [m.field for m in step.matches]
    if step.primary_key:
        names.append(step.primary_key)
    names.extend(sorted(step.columns_needed(plan)))
    names.extend(wanted(step))
    return tuple(dict.fromkeys(names))


def _values(match: Match, plan: Plan, found: Mapping[int, Found]) -> list[Any]:
    out: list[Any] = []
    for source in match.sources:
        out.extend(source_values(plan, source, lambda step, column: found[step].values(column)))
    return out
