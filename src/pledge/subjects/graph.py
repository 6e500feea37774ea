"""The links between datasets that a request can follow, read from the declaration. Pure.

Three kinds of link, each from the rows of one dataset to the rows of another:

- ``child``: the target's field references the source's column (customer.id → the accounts
  whose customer_id holds it): rows that point at rows already found;
- ``parent``: the source's column references the target's field (an account's customer_id →
  the customer with that id): the rows that rows already found point at;
- ``same-identity``: both fields hold the same kind of identity (the email on a CRM customer
  → the marketing subscriber with that email), for kinds that single out one person.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from pledge.declaration.model import Dataset, Declaration

Via = Literal["identity", "child", "parent", "same-identity"]

#: Identity kinds that, found on one person's row, are looked for in other datasets.
#: Postcodes, IP addresses, cookie and device ids are shared by households, networks and
#: devices: they are used only when the requester gives them.
LINKING = frozenset(
    {"email", "phone", "customer_id", "account_number", "employee_id", "applicant_id", "username"}
)


@dataclass(frozen=True)
class Edge:
    """Values of ``source.column`` locate rows of ``target`` by ``field``."""

    source: str
    column: str
    target: str
    field: str
    via: Via
    kind: str | None = None  # the identity kind, for same-identity links


def datasets(declaration: Declaration) -> Iterator[tuple[str, Dataset]]:
    """Every dataset as ``("system.dataset", dataset)``, in declaration order."""
    for system_name, system in declaration.systems.items():
        for dataset_name, dataset in system.datasets.items():
            yield f"{system_name}.{dataset_name}", dataset


def target(reference: str, system: str) -> tuple[str, str]:
    """``(system.dataset, field)`` a reference names; two parts mean the same system."""
    pieces = reference.split(".")
    if len(pieces) == 2:
        pieces = [system, *pieces]
    return f"{pieces[0]}.{pieces[1]}", pieces[2]


@dataclass(frozen=True)
class Links:
    """The followable edges by source dataset, and the references deliberately not followed."""

    edges: dict[str, list[Edge]]
    #: (dataset, field) pairs that reference their own dataset.
    self_references: list[tuple[str, str]]
    #: (dataset, field) references to a person table of another group of people.
    other_people: list[tuple[str, str]]

    def from_(self, dotted: str) -> list[Edge]:
        return self.edges.get(dotted, [])


def person_tables(declaration: Declaration) -> dict[str, str]:
    """Tables with one person per row, mapped to their group's first table.

    A person table's primary key is itself an identity (crm.customer.id is a customer_id).
    Person tables that reference one another describe the same person (an account and its
    customer) and form one group; hr.employee stands in a group of its own.
    """
    people = [
        dotted
        for dotted, dataset in datasets(declaration)
        if any(f.primary_key and f.identity for f in dataset.fields.values())
    ]
    group = {dotted: dotted for dotted in people}

    def root(dotted: str) -> str:
        while group[dotted] != dotted:
            dotted = group[dotted]
        return dotted

    for dotted in people:
        system = dotted.split(".", 1)[0]
        dataset = declaration.systems[system].datasets[dotted.split(".", 1)[1]]
        for spec in dataset.fields.values():
            if spec.references is not None:
                parent, _ = target(spec.references, system)
                if parent in group:
                    first, second = sorted((root(dotted), root(parent)), key=people.index)
                    group[second] = first
    return {dotted: root(dotted) for dotted in people}


def links(declaration: Declaration) -> Links:
    """Every link between the declaration's datasets, in a stable order."""
    edges: dict[str, list[Edge]] = {dotted: [] for dotted, _ in datasets(declaration)}
    selfish: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    holders: dict[str, list[tuple[str, str]]] = {}
    people = person_tables(declaration)
    for dotted, dataset in datasets(declaration):
        system = dotted.split(".", 1)[0]
        references = {
            name: target(spec.references, system)
            for name, spec in dataset.fields.items()
            if spec.references is not None
        }
        # A row that refers to people of two groups (a call recording names the customer and
        # the agent) does not say whose row it is: it is found from either person, but never
        # leads on to a person's own record.
        groups = {people[p] for p, _ in references.values() if p in people and p != dotted}
        for name, spec in dataset.fields.items():
            if spec.identity in LINKING:
                holders.setdefault(spec.identity, []).append((dotted, name))
            if name not in references:
                continue
            parent, key = references[name]
            if parent == dotted:
                # A row pointing at another row of the same table (a manager, a referrer) is
                # another person: following it would leak or erase their data.
                selfish.append((dotted, name))
                continue
            edges[parent].append(Edge(parent, key, dotted, name, "child"))
            if len(groups) > 1 and parent in people:
                others.append((dotted, name))
            else:
                edges[dotted].append(Edge(dotted, name, parent, key, "parent"))
    for kind, fields in holders.items():
        for source, column in fields:
            for dotted, name in fields:
                if dotted != source:
                    edges[source].append(Edge(source, column, dotted, name, "same-identity", kind))
    return Links(edges, selfish, others)


def read_order(graph: Links, seeds: Sequence[str]) -> list[str]:
    """The datasets reachable from ``seeds``, in the order a plan reads them.

    Breadth first from the seeds, except that a dataset waits while a dataset it refers to is
    reachable and not yet read: invoices are read after the accounts they belong to, even when
    an email on the invoice could find them first, so account numbers reach them in one pass.
    When every candidate waits (references loop), the one reached first goes.
    """
    reached = list(dict.fromkeys(seeds))
    for dotted in reached:  # grows as it goes: breadth first
        reached.extend(e.target for e in graph.from_(dotted) if e.target not in reached)
    parents = {
        dotted: {e.target for e in graph.from_(dotted) if e.via == "parent"} for dotted in reached
    }
    done: list[str] = []
    ready = set(seeds)
    while len(done) < len(reached):
        waiting = [d for d in reached if d in ready and d not in done]
        free = [d for d in waiting if not parents[d] - set(done)]
        chosen = (free or waiting)[0]
        done.append(chosen)
        ready.update(e.target for e in graph.from_(chosen))
    return done


def erasure_order(declaration: Declaration, reached: Sequence[str]) -> tuple[list[str], list[str]]:
    """``reached`` datasets ordered children first, and those whose references form a loop.

    A dataset whose rows reference another's comes before it, so deleting rows never trips a
    foreign key. Where references loop, the earliest dataset in ``reached`` is taken first and
    named in the second list (that loop needs a deferred constraint or a nullify first).
    """
    position = {dotted: index for index, dotted in enumerate(reached)}
    children: dict[str, set[str]] = {dotted: set() for dotted in reached}
    for dotted, dataset in datasets(declaration):
        if dotted not in position:
            continue
        system = dotted.split(".", 1)[0]
        for spec in dataset.fields.values():
            if spec.references is not None:
                parent, _ = target(spec.references, system)
                if parent in children and parent != dotted:
                    children[parent].add(dotted)
    order: list[str] = []
    looped: list[str] = []
    left = dict(children)
    while left:
        ready = [d for d, kids in left.items() if not kids & left.keys()]
        if ready:
            # Deepest first among the ready ones: the plan found them last.
            chosen = max(ready, key=position.__getitem__)
        else:
            chosen = min(left, key=position.__getitem__)
            looped.append(chosen)
        order.append(chosen)
        del left[chosen]
    return order, looped
