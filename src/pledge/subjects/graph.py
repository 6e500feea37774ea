"""Datasets and the references between them, as the declaration writes them. Pure.

Which references a request may cross is :mod:`pledge.declaration.reach`'s business; this
module only lists datasets and orders them so deleting rows never trips a foreign key.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pledge.declaration.model import Dataset, Declaration

#: Identity kinds that, found on one person's rows, are looked for in other datasets.
#: Postcodes, IP addresses, cookie and device ids are shared by households, networks and
#: devices: they are used only when the requester gives them.
LINKING = frozenset(
    {"email", "phone", "customer_id", "account_number", "employee_id", "applicant_id", "username"}
)


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
