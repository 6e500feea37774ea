"""The plan of a request: which datasets to read, matched on what, and what each step is. Pure.

A plan follows the reach the declaration gives (:mod:`pledge.declaration.reach`), never more:

- a dataset of people or an owned dataset with an identity field is read for the person's
  identity values of that kind (those given, and those found on their rows);
- through a ``belongs-to`` reference, the rows that refer to rows already found are read;
- through an ``owns`` reference, the rows that rows already found refer to are read;
- context datasets are never read to find anyone: only, for access, the context rows the
  person's rows refer to, where the dataset says ``show_in_access``;
- mentions are never read to find anyone: erasure clears them where they name the person.

Steps are numbered in the order a runner reads them (datasets holding the given identities
first, then along ownership); the runner passes over them until nothing new turns up, so the
order only saves round trips. :mod:`pledge.subjects.reach` runs a plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pledge.declaration.model import About, Declaration
from pledge.declaration.reach import Link, ReachMap, resolve
from pledge.subjects.graph import LINKING, datasets, erasure_order
from pledge.subjects.identity import Identity

Via = Literal["identity", "belongs-to", "owns"]


@dataclass(frozen=True)
class Source:
    """Where the values a match uses come from.

    ``via == "identity"``: the person's identity values of kind ``identity`` (given or found
    on their rows), in every stored form. Otherwise column ``column`` of the rows step
    ``step`` found: for ``belongs-to`` the key of the rows these rows belong to, for ``owns``
    the reference those rows hold to the rows they own.
    """

    via: Via
    identity: str | None = None
    step: int | None = None
    column: str | None = None


@dataclass(frozen=True)
class Match:
    """One field a step matches rows on."""

    field: str
    sources: tuple[Source, ...]
    #: Compare case-insensitively (emails are stored as people typed them).
    fold_case: bool = False


@dataclass(frozen=True)
class Step:
    """Read ``system.dataset`` where any match holds."""

    number: int
    system: str
    dataset: str
    fields: tuple[str, ...]
    matches: tuple[Match, ...]
    #: The declared primary key, if any: how rows are told apart and named.
    primary_key: str | None = None
    role: About = "owned"
    #: The reference that says whose rows these are (``belongs-to``), if any.
    owner: Link | None = None
    #: Identity fields of the dataset: field → kind.
    identities: tuple[tuple[str, str], ...] = ()

    @property
    def dotted(self) -> str:
        return f"{self.system}.{self.dataset}"

    def columns_needed(self, plan: Plan) -> set[str]:
        """The columns of this step that other steps take values from."""
        return {
            s.column
            for other in plan.steps
            for m in other.matches
            for s in m.sources
            if s.step == self.number and s.column is not None
        }


@dataclass(frozen=True)
class Context:
    """Context rows an access shows: rows of ``target`` whose ``key`` rows of step ``step``
    name in ``field``."""

    step: int
    field: str
    target: str
    key: str


@dataclass(frozen=True)
class MentionField:
    """``dataset.field`` names another party by ``kind``; erased with ``erase``."""

    system: str
    dataset: str
    field: str
    kind: str
    erase: str
    primary_key: str | None

    @property
    def dotted(self) -> str:
        return f"{self.system}.{self.dataset}"


@dataclass(frozen=True)
class Plan:
    """The ordered steps of a request, and what the DPO must know about its reach."""

    identities: tuple[Identity, ...]
    steps: tuple[Step, ...]
    context: tuple[Context, ...] = ()
    mentions: tuple[MentionField, ...] = ()
    #: Every reference, with the reach it is crossed by (for ``pledge plan``).
    links: tuple[Link, ...] = ()
    #: Datasets holding personal data that no identity or ownership reaches: a gap to close.
    unreachable: tuple[str, ...] = ()
    #: Datasets of personal data other kinds of identity would find, but not these.
    not_reached: tuple[str, ...] = ()
    #: Identity kinds given that no declared field holds.
    unused: tuple[str, ...] = ()
    #: What the declared reach itself warns about (paths into datasets of people, ...).
    warnings: tuple[str, ...] = ()
    #: Step numbers in the order an erasure must run: rows that refer to others go first.
    erasure_order: tuple[int, ...] = ()
    #: Datasets whose references form a loop; their erasure order was chosen, not derived.
    erasure_loops: tuple[str, ...] = ()
    #: What every dataset of the declaration is about (people, owned, context).
    roles: dict[str, About] = field(default_factory=dict)

    def step(self, number: int) -> Step:
        return self.steps[number - 1]

    def find(self, dotted: str) -> Step | None:
        """The step that reads ``system.dataset``; None when the plan does not reach it."""
        return next((s for s in self.steps if s.dotted == dotted), None)


def make_plan(
    declaration: Declaration,
    identities: Sequence[Identity],
    reach: ReachMap | None = None,
    *,
    extra_kinds: Sequence[str] = (),
) -> Plan:
    """Plan the reads for a person known by ``identities`` (already normalised).

    ``extra_kinds`` plans for more kinds of identity than those given (replay knows which kinds an
    erasure had, but only as keyed hashes).
    """
    reach = reach or resolve(declaration.systems)
    given = list(dict.fromkeys([i.kind for i in identities] + list(extra_kinds)))
    fields = {dotted: dataset for dotted, dataset in datasets(declaration)}
    holders: dict[str, list[tuple[str, str]]] = {}  # dotted → (field, kind)
    for dotted, dataset in fields.items():
        if reach.about[dotted] == "context":
            continue
        for name, spec in dataset.fields.items():
            if spec.identity is not None:
                holders.setdefault(dotted, []).append((name, spec.identity))
    ownership = reach.ownership()
    # Datasets a person's rows can reach: those holding their kinds of identity (given, or
    # found on their rows), and everything ownership leads to from those.
    kinds = set(given)
    order: list[str] = []
    changed = True
    while changed:
        changed = False
        for dotted, held in holders.items():
            if dotted not in order and any(kind in kinds for _, kind in held):
                order.append(dotted)
                changed = True
        for dotted in order:  # grows as it goes: breadth first along ownership
            for link in ownership:
                came, went = _ends(link)
                if came == dotted and went not in order:
                    order.append(went)
                    changed = True
        found = {kind for d in order for _, kind in holders.get(d, []) if kind in LINKING}
        if not found <= kinds:
            kinds |= found
            changed = True
    number = {dotted: index for index, dotted in enumerate(order, 1)}
    missed = [
        dotted
        for dotted, dataset in fields.items()
        if dotted not in number
        and reach.about[dotted] != "context"
        and any(f.personal for f in dataset.fields.values())
    ]
    # Findable by some request: an identity field, or rows ownership leads to.
    findable = set(holders) | {_ends(link)[1] for link in ownership}
    steps = tuple(
        _step(declaration, reach, dotted, number, holders.get(dotted, []), kinds)
        for dotted in order
    )
    erase, looped = erasure_order(declaration, order)
    return Plan(
        identities=tuple(identities),
        steps=steps,
        context=tuple(
            Context(number[link.dataset], link.field, link.target, link.key)
            for link in reach.links
            if link.reach == "context"
            and link.dataset in number
            and reach.about.get(link.target) == "context"
            and fields[link.target].show_in_access
        ),
        mentions=tuple(_mentions(declaration, reach)),
        links=tuple(reach.links),
        unreachable=tuple(d for d in missed if d not in findable),
        not_reached=tuple(d for d in missed if d in findable),
        unused=tuple(
            k for k in given if not any(k == kind for h in holders.values() for _, kind in h)
        ),
        warnings=tuple(i.message for i in reach.issues if i.severity == "warning"),
        erasure_order=tuple(number[d] for d in erase),
        erasure_loops=tuple(looped),
        roles=dict(reach.about),
    )


def _ends(link: Link) -> tuple[str, str]:
    """(dataset whose rows lead, dataset whose rows they find) for an ownership link."""
    if link.reach == "belongs-to":
        return link.target, link.dataset
    return link.dataset, link.target


def _step(
    declaration: Declaration,
    reach: ReachMap,
    dotted: str,
    number: dict[str, int],
    held: list[tuple[str, str]],
    kinds: set[str],
) -> Step:
    system, _, dataset_name = dotted.partition(".")
    dataset = declaration.systems[system].datasets[dataset_name]
    matches: dict[str, list[Source]] = {}
    for name, kind in held:
        if kind in kinds:
            matches.setdefault(name, []).append(Source("identity", identity=kind))
    for link in reach.ownership():
        if link.reach == "belongs-to" and link.dataset == dotted and link.target in number:
            source = Source("belongs-to", step=number[link.target], column=link.key)
            matches.setdefault(link.field, []).append(source)
        elif link.reach == "owns" and link.target == dotted and link.dataset in number:
            source = Source("owns", step=number[link.dataset], column=link.field)
            matches.setdefault(link.key, []).append(source)
    keys = [n for n, f in dataset.fields.items() if f.primary_key]
    return Step(
        number=number[dotted],
        system=system,
        dataset=dataset_name,
        fields=tuple(dataset.fields),
        matches=tuple(
            Match(name, tuple(sources), fold_case=dataset.fields[name].identity == "email")
            for name, sources in matches.items()
        ),
        primary_key=keys[0] if len(keys) == 1 else None,
        role=reach.about[dotted],
        owner=reach.owner_of(dotted),
        identities=tuple(held),
    )


def _mentions(declaration: Declaration, reach: ReachMap) -> list[MentionField]:
    out: list[MentionField] = []
    for mention in reach.mentions:
        system, _, name = mention.dataset.partition(".")
        dataset = declaration.systems[system].datasets[name]
        keys = [n for n, f in dataset.fields.items() if f.primary_key]
        erase = dataset.fields[mention.field].erase or "keep"
        out.append(
            MentionField(
                system,
                name,
                mention.field,
                mention.kind,
                erase,
                keys[0] if len(keys) == 1 else None,
            )
        )
    return out
