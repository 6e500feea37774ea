"""The plan of a request: which datasets to read, in which order, matched on what. Pure.

Planning starts from the identities the person gave: every dataset with a field of that
identity kind is a starting point. Each dataset leads on to others through the links of
:mod:`pledge.subjects.graph` (references, both ways, and shared identities). Each dataset is one
step; steps are numbered breadth first from the starting points, except that a dataset
waits for the datasets it refers to (:func:`pledge.subjects.graph.read_order`), so most values
come from the requester or from earlier steps.

A link that leads back to an earlier step is a *loop*. It is kept as a source marked
``loop`` and listed in :attr:`Plan.loops` only when it can find rows the earlier step has not
read (a link straight back along the way the rows were found cannot). An executor follows
loops by running the earlier step again for values it has not queried before, until no step
finds a new value; each (dataset, field, value) is queried at most once, so this ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pledge.declaration.model import Declaration
from pledge.subjects.graph import Edge, Via, datasets, erasure_order, links, read_order
from pledge.subjects.identity import Identity, lenient_forms


@dataclass(frozen=True)
class Source:
    """Where the values a step matches on come from.

    ``via == "identity"``: the identities of kind ``identity`` the person gave, in all their
    stored forms. Otherwise column ``column`` of the rows found by step ``step``; for
    ``same-identity`` those values are normalised as identities of kind ``identity`` first
    (:func:`pledge.subjects.identity.lenient`), for ``child``/``parent`` they are used as read.
    """

    via: Via
    identity: str | None = None
    step: int | None = None
    column: str | None = None
    #: The source step comes later in the plan: follow it by re-running this step.
    loop: bool = False

    @property
    def origin(self) -> Origin:
        return ("identity", self.identity) if self.via == "identity" else (self.step, self.column)


def source_values(
    plan: Plan, source: Source, found: Callable[[int, str], Iterable[Any]]
) -> list[Any]:
    """The values ``source`` gives a step to match on; ``found(step, column)`` is what the
    rows of an earlier step hold in that column (every reader keeps those its own way)."""
    if source.via == "identity":
        return [form for i in plan.identities if i.kind == source.identity for form in i.forms]
    assert source.step is not None and source.column is not None  # set for every link
    raw = found(source.step, source.column)
    if source.via == "same-identity" and source.identity is not None:
        kind = source.identity
        return [form for value in raw for form in lenient_forms(kind, value)]
    return list(raw)


@dataclass(frozen=True)
class Match:
    """One field a step matches rows on; rows matching any source are the person's."""

    field: str
    sources: tuple[Source, ...]
    #: Compare case-insensitively: the field holds emails, stored as people typed them.
    fold_case: bool = False


@dataclass(frozen=True)
class Step:
    """Read ``system.dataset`` where any match holds."""

    number: int
    system: str
    dataset: str
    fields: tuple[str, ...]
    matches: tuple[Match, ...]
    #: The declared primary key, if any: how an erasure names the rows it found.
    primary_key: str | None = None

    @property
    def dotted(self) -> str:
        return f"{self.system}.{self.dataset}"

    def columns_needed(self, plan: Plan) -> set[str]:
        """The columns of this step that later steps take values from."""
        return {
            s.column
            for other in plan.steps
            for m in other.matches
            for s in m.sources
            if s.step == self.number and s.column is not None
        }


@dataclass(frozen=True)
class Loop:
    """A link from a step back to an earlier one."""

    from_step: int
    column: str
    to_step: int
    field: str
    via: Via


@dataclass(frozen=True)
class Plan:
    """The ordered steps of a request, and what the DPO must know about its reach."""

    identities: tuple[Identity, ...]
    steps: tuple[Step, ...]
    loops: tuple[Loop, ...] = ()
    #: Datasets holding personal data that no identity or link reaches: a gap to close.
    unreachable: tuple[str, ...] = ()
    #: Identity kinds given that no declared field holds.
    unused: tuple[str, ...] = ()
    #: ``dataset.field`` references to their own dataset, never followed (another person).
    not_followed: tuple[str, ...] = ()
    #: ``dataset.field`` references to a person of another group (a call's agent), followed
    #: only from that person to these rows, never from these rows to that person.
    other_people: tuple[str, ...] = ()
    #: Step numbers in the order an erasure must run: rows that refer to others go first.
    erasure_order: tuple[int, ...] = ()
    #: Datasets whose references form a loop; their erasure order was chosen, not derived.
    erasure_loops: tuple[str, ...] = ()

    def step(self, number: int) -> Step:
        return self.steps[number - 1]

    def find(self, dotted: str) -> Step | None:
        """The step that reads ``system.dataset``; None when the plan does not reach it."""
        return next((s for s in self.steps if s.dotted == dotted), None)


@dataclass
class _Draft:
    number: int
    dotted: str
    matches: dict[str, list[Source]] = field(default_factory=dict)

    def add(self, name: str, source: Source) -> None:
        sources = self.matches.setdefault(name, [])
        if source not in sources:
            sources.append(source)


def make_plan(declaration: Declaration, identities: Sequence[Identity]) -> Plan:
    """Plan the reads for a person known by ``identities`` (already normalised)."""
    graph = links(declaration)
    kinds = list(dict.fromkeys(i.kind for i in identities))
    seeds: dict[str, list[tuple[str, str]]] = {}
    for dotted, dataset in datasets(declaration):
        for name, spec in dataset.fields.items():
            if spec.identity is not None and spec.identity in kinds:
                seeds.setdefault(dotted, []).append((name, spec.identity))
    order = read_order(graph, list(seeds))
    drafts = {dotted: _Draft(number, dotted) for number, dotted in enumerate(order, 1)}
    for dotted, fields in seeds.items():
        for name, kind in fields:
            drafts[dotted].add(name, Source("identity", identity=kind))
    back: list[tuple[Edge, _Draft, _Draft]] = []
    for here in drafts.values():
        for edge in graph.from_(here.dotted):
            there = drafts[edge.target]
            if there.number > here.number:
                there.add(edge.field, _source(edge, here.number, loop=False))
            else:
                back.append((edge, here, there))
    # Sources in step order, whatever order the links were met in.
    for draft in drafts.values():
        for sources in draft.matches.values():
            sources.sort(key=lambda s: (s.via != "identity", s.step or 0))
    loops = _loops(back, list(drafts.values()))
    steps = tuple(_step(declaration, d) for d in drafts.values())
    erase, looped = erasure_order(declaration, order)
    return Plan(
        identities=tuple(identities),
        steps=steps,
        loops=tuple(loops),
        unreachable=tuple(
            dotted
            for dotted, dataset in datasets(declaration)
            if dotted not in drafts and any(f.personal for f in dataset.fields.values())
        ),
        unused=tuple(k for k in kinds if all(k != kind for f in seeds.values() for _, kind in f)),
        not_followed=tuple(f"{d}.{f}" for d, f in graph.self_references),
        other_people=tuple(f"{d}.{f}" for d, f in graph.other_people),
        erasure_order=tuple(drafts[d].number for d in erase),
        erasure_loops=tuple(looped),
    )


def _source(edge: Edge, step: int, *, loop: bool) -> Source:
    return Source(edge.via, identity=edge.kind, step=step, column=edge.column, loop=loop)


Origin = tuple[str | int | None, ...]


def _loops(back: list[tuple[Edge, _Draft, _Draft]], drafts: Sequence[_Draft]) -> list[Loop]:
    """Keep the links back to earlier steps that can find rows not already read.

    A link is redundant when the step it leaves is located through ``edge.column`` alone, by
    values that came from the earlier step's own ``edge.field`` or from the origins that field
    is matched with: querying that field again with them finds the same rows. Kept loops add
    sources to earlier steps, which can make other links useful, so this runs to a fixpoint.
    """
    forward = {d.number: {n: {s.origin for s in ss} for n, ss in d.matches.items()} for d in drafts}
    kept: list[int] = []
    changed = True
    while changed:
        changed = False
        for index, (edge, here, there) in enumerate(back):
            if index in kept:
                continue
            mine = {field: set(origins) for field, origins in forward[here.number].items()}
            for k in kept:
                other, came, went = back[k]
                if went is here:
                    mine.setdefault(other.field, set()).add((came.number, other.column))
            known = forward[there.number].get(edge.field, set()) | {(there.number, edge.field)}
            if list(mine) != [edge.column] or not mine[edge.column] <= known:
                kept.append(index)
                changed = True
    loops: list[Loop] = []
    for index in sorted(kept):
        edge, here, there = back[index]
        there.add(edge.field, _source(edge, here.number, loop=True))
        loops.append(Loop(here.number, edge.column, there.number, edge.field, edge.via))
    return loops


def _step(declaration: Declaration, draft: _Draft) -> Step:
    system, _, name = draft.dotted.partition(".")
    dataset = declaration.systems[system].datasets[name]
    keys = [n for n, f in dataset.fields.items() if f.primary_key]
    matches = tuple(
        Match(n, tuple(sources), fold_case=dataset.fields[n].identity == "email")
        for n, sources in draft.matches.items()
    )
    return Step(
        number=draft.number,
        system=system,
        dataset=name,
        fields=tuple(dataset.fields),
        matches=matches,
        primary_key=keys[0] if len(keys) == 1 else None,
    )
