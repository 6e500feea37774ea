"""What a request must reach, read straight from README "Whose rows are these: subject reach".

An oracle for the property tests, written apart from the runner (``pledge.subjects``) so the
two are independent readings of one set of rules. It works on a declaration and every row of
every table held in memory, with no queries and no plan: roles and reaches inferred as the
README says, rows found by value and by reference until nothing new turns up, then the stops
(ambiguous values, an owner who is someone else, blast radius), the shared rows, the context
rows shown, and what erasure leaves behind.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pledge.declaration.model import Dataset, Declaration
from pledge.subjects.identity import Identity, IdentityInvalid, normalise

Rows = Mapping[str, Sequence[Mapping[str, Any]]]
RowId = tuple[str, Any]  # ("system.dataset", primary key value)
#: The identities a found row passes on to the search (README step 3).
LINKING = {"email", "phone", "customer_id", "account_number", "employee_id"}
LINKING |= {"applicant_id", "username"}


@dataclass(frozen=True)
class Ref:
    """``dataset.field`` refers to ``target.key`` and is crossed as ``reach``."""

    dataset: str
    field: str
    target: str
    key: str
    reach: str


@dataclass
class Expected:
    """What access must report and erasure must leave; or why the request stops."""

    stop: str | None = None
    rows: dict[str, set[Any]] = field(default_factory=dict)
    shared: dict[str, set[Any]] = field(default_factory=dict)
    context: dict[str, set[Any]] = field(default_factory=dict)
    #: Every table after erasure: primary key → row.
    after: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)


def roles(datasets: Mapping[str, Dataset]) -> dict[str, str]:
    """people, owned or context: declared, or inferred as README "What a dataset is about"."""

    def keyed(d: Dataset) -> bool:
        return any(f.primary_key and f.identity for f in d.fields.values())

    out: dict[str, str] = {}
    for dotted, d in datasets.items():
        targets = [_split(f.references, dotted)[0] for f in d.fields.values() if f.references]
        personal = any(f.categories or f.identity or f.mention for f in d.fields.values())
        if d.about is not None:
            out[dotted] = d.about
        elif not personal and not targets:
            out[dotted] = "context"
        elif keyed(d) and not any(t != dotted and keyed(datasets[t]) for t in targets):
            out[dotted] = "people"
        else:
            out[dotted] = "owned"
    return out


def references(datasets: Mapping[str, Dataset], role: Mapping[str, str]) -> list[Ref]:
    """Every reference and how it is crossed: declared, or the README's safe default."""
    out: list[Ref] = []
    for dotted, d in datasets.items():
        candidates: list[Ref] = []
        for name, f in d.fields.items():
            if f.references is None:
                continue
            target, key = _split(f.references, dotted)
            if f.reach is not None:
                out.append(Ref(dotted, name, target, key, f.reach))
            elif (
                target == dotted
                or "context" in (role[dotted], role[target])
                or (role[dotted] == "people")
            ):
                out.append(Ref(dotted, name, target, key, "context"))
            else:
                candidates.append(Ref(dotted, name, target, key, "belongs-to"))
        said = any(r.dataset == dotted and r.reach == "belongs-to" for r in out)
        only = len(candidates) == 1 and not said
        out += [Ref(r.dataset, r.field, r.target, r.key, "belongs-to" if only else "context")
                for r in candidates]  # fmt: skip
    return out


def expect(declaration: Declaration, tables: Rows, identities: Iterable[Identity]) -> Expected:
    """What a request by ``identities`` must reach in ``tables`` (keyed "system.dataset")."""
    datasets = {
        f"{s}.{n}": d
        for s, system in declaration.systems.items()
        for n, d in system.datasets.items()
    }
    role = roles(datasets)
    refs = references(datasets, role)
    pk = {d: next(n for n, f in ds.fields.items() if f.primary_key) for d, ds in datasets.items()}
    rows = {d: {r[pk[d]]: dict(r) for r in tables.get(d, ())} for d in datasets}
    values = {(i.kind, i.value) for i in identities}

    def lookup(ref: Ref, value: Any) -> list[RowId]:
        return [(ref.target, k) for k, r in rows[ref.target].items() if r[ref.key] == value]

    def held(d: str, row: Mapping[str, Any], kinds: Iterable[str] | None = None) -> set[Any]:
        out = set()
        for name, f in datasets[d].fields.items():
            value = _canonical(f.identity, row[name]) if f.identity else None
            if f.identity and value is not None and (kinds is None or f.identity in kinds):
                out.add((f.identity, value))
        return out

    found: set[RowId] = set()
    matched: set[RowId] = set()  # found by an identity value (step 1)
    owned_via: set[RowId] = set()  # reached through owns
    while True:
        size = (len(found), len(values))
        for d in datasets:
            if role[d] != "context":
                for k, row in rows[d].items():
                    if held(d, row) & values:
                        found.add((d, k))
                        matched.add((d, k))
        grown = True
        while grown:
            grown = False
            for ref in refs:
                for k, row in rows[ref.dataset].items():
                    if row[ref.field] is None:
                        continue
                    here = (ref.dataset, k)
                    there = lookup(ref, row[ref.field])
                    if ref.reach == "belongs-to" and here not in found and set(there) & found:
                        found.add(here)
                        grown = True
                    elif ref.reach == "owns" and here in found:
                        owned_via.update(there)
                        grown = grown or not set(there) <= found
                        found.update(there)
        for d, k in found:
            if role[d] == "owned" or (d, k) in matched:
                values |= held(d, rows[d][k], LINKING)
        if (len(found), len(values)) == size:
            break

    # Stops: two rows of one dataset of people; a row found by value whose owner (its
    # belongs-to row) is not the person's; a row of people reached only through references.
    # The README says "an owned row" for the second, but belongs-to is what makes a row
    # someone's ("belongs to whoever the row it refers to belongs to"), so a row of people
    # declared to belong to another (a dependant) is held to it too.
    stop = None
    for d in datasets:
        count = sum(1 for m, _ in matched if m == d)
        if role[d] == "people" and count > 1:
            stop = f"ambiguous: {count} rows of {d} hold the person's values"
    for d, k in sorted(matched, key=repr):
        owner = next((r for r in refs if r.dataset == d and r.reach == "belongs-to"), None)
        value = rows[d][k][owner.field] if owner is not None else None
        if owner and value is not None and not set(lookup(owner, value)) & found:
            stop = stop or f"ambiguous: {d} {k} was found by value but belongs to someone else"
    blast = [(d, k) for d, k in found - matched if role[d] == "people"]
    if blast:
        stop = stop or f"blast radius: {blast} reached only through references"
    if stop is not None:
        return Expected(stop=stop, after=rows)

    # Shared: reached through owns and referred to by rows that are not the person's, with
    # the rows that belong to them.
    shared: set[RowId] = set()
    for t, k in owned_via:
        for ref in (r for r in refs if r.target == t):
            others = [
                o for o, row in rows[ref.dataset].items()
                if row[ref.field] == rows[t][k][ref.key] and (ref.dataset, o) not in found
            ]  # fmt: skip
            if others:
                shared.add((t, k))
    grown = True
    while grown:
        grown = False
        for ref in (r for r in refs if r.reach == "belongs-to"):
            for k, row in rows[ref.dataset].items():
                here = (ref.dataset, k)
                if (
                    here in found
                    and here not in shared
                    and set(lookup(ref, row[ref.field])) & shared
                ):
                    shared.add(here)
                    grown = True
    context: set[RowId] = set()
    for ref in refs:
        target = datasets[ref.target]
        if ref.reach == "context" and role[ref.target] == "context" and target.show_in_access:
            for k, row in rows[ref.dataset].items():
                if (ref.dataset, k) in found and row[ref.field] is not None:
                    context.update(lookup(ref, row[ref.field]))

    # Erasure deletes the person's rows or clears their fields, except shared rows and, in
    # datasets erased by delete, rows that a row which stays still refers to (another
    # person's, a context row, or one of the person's own rows kept for that reason):
    # deleting them would break that row ("referred", left exactly as they are; the rule is
    # in the erasure's commit f3316a3, not in the README). Mentions of the person are
    # cleared wherever they are.
    deleting = {(d, k) for d, k in found - shared if datasets[d].erase == "delete"}

    def needed(d: str, k: Any) -> bool:
        return any(
            row[ref.field] == rows[d][k][ref.key] and (ref.dataset, o) not in deleting
            for ref in refs
            if ref.target == d
            for o, row in rows[ref.dataset].items()
        )

    while kept := {row for row in deleting if needed(*row)}:
        deleting -= kept
    after = copy.deepcopy(rows)
    for d, k in deleting:
        del after[d][k]
    for d, k in found - shared:
        if datasets[d].erase == "delete":
            continue
        for name, f in datasets[d].fields.items():
            is_key = f.primary_key or f.references is not None
            if (f.categories or f.identity or f.mention) and not is_key:
                after[d][k][name] = _erased(f.erase, rows[d][k][name])
    for d, ds in datasets.items():
        for name, f in ds.fields.items():
            if f.mention is None:
                continue
            for k, row in after[d].items():
                if (f.mention, _canonical(f.mention, rows[d][k][name])) in values:
                    row[name] = _erased(f.erase, rows[d][k][name])
    return Expected(
        rows=_by_dataset(found),
        shared=_by_dataset(shared),
        context=_by_dataset(context),
        after=after,
    )


def _split(reference: str, dotted: str) -> tuple[str, str]:
    parts = reference.split(".")
    if len(parts) == 2:
        return f"{dotted.partition('.')[0]}.{parts[0]}", parts[1]
    return f"{parts[0]}.{parts[1]}", parts[2]


def _canonical(kind: str, value: Any) -> str | None:
    """Emails without regard to case, phones as E.164, other identities exactly."""
    if value is None:
        return None
    if kind in ("email", "phone"):
        try:
            return normalise(kind, str(value))
        except IdentityInvalid:
            return str(value).lower() if kind == "email" else None
    return str(value)


def _erased(strategy: str | None, value: Any) -> Any:
    if strategy == "nullify":
        return None
    if strategy == "mask":  # text keeps its punctuation and length; numbers become zero
        if isinstance(value, str):
            return "".join("*" if c.isalnum() else c for c in value)
        return None if value is None else 0
    if strategy == "keep":
        return value
    raise ValueError(f"the oracle cannot predict erase: {strategy}")


def _by_dataset(ids: Iterable[RowId]) -> dict[str, set[Any]]:
    out: dict[str, set[Any]] = {}
    for d, k in ids:
        out.setdefault(d, set()).add(k)
    return out
