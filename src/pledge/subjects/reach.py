"""The one plan runner: whose rows are these, for one person or a thousand at once.

Access, queued access, erasure, rectification, restriction, legal holds, replay and the
second factor of identity checks all find rows here, so erasure targets exactly what access
reports. The rules are README "Whose rows are these"; :mod:`pledge.subjects.plan` turns the
declaration into steps, and this module runs them:

1. Each step is read with one set-based query per matched field and pass, carrying the
   values of every person of the batch; each row is given to the people whose values it
   matched (by normalised identity value, or by the key it refers to).
2. Identity values on a person's owned rows, and on rows of people found by one of their
   values, are that person's too (an account's line number finds their call records): the
   passes repeat until no step finds anything new.
3. Before anyone uses the rows, each person is checked: two rows of one dataset of people
   (two people behind one value), an owned row found by a value but owned by someone else, or
   a row of people reached only through references (the blast radius) stop that person's
   request, naming the value or the path. Nothing has been written or packaged then.
4. Owned rows that other people's rows also own (an address two customers share), and the
   rows that belong to them, are marked shared: shown, never erased with one person.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pledge.connectors import Connector, Row, Select
from pledge.connectors.sql import fold
from pledge.declaration.model import Declaration
from pledge.subjects.graph import LINKING
from pledge.subjects.identity import Identity, IdentityInvalid, normalise, stored_forms
from pledge.subjects.plan import MentionField, Plan, Step, make_plan

#: Rows per fetch: one person's rows are all kept anyway, so fewer round trips cost nothing.
READ_BATCH = 10_000
RowKey = Any
#: Extra values to query per step and field (how erasure verifies what it deleted).
Seed = Mapping[int, Mapping[str, Iterable[Any]]]


@dataclass(frozen=True)
class Choices:
    """An operator's explicit choice about shared identity values, recorded in the audit log.

    ``ignore``: the value is not the person's; it finds nothing. ``same_person``: the rows it
    finds are the person's, even where that means two records of one dataset of people.
    """

    ignore: frozenset[Identity] = frozenset()
    same_person: frozenset[Identity] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.ignore or self.same_person)

    def describe(self) -> dict[str, list[str]]:
        return {
            "ignore": sorted(f"{i.kind}:{i.value}" for i in self.ignore),
            "same_person": sorted(f"{i.kind}:{i.value}" for i in self.same_person),
        }


class ReachStopped(Exception):
    """The request must stop before anything is written or packaged; the message says why."""

    dataset: str


class AmbiguousIdentity(ReachStopped):
    """An identity value the request uses belongs to more than one person."""

    def __init__(self, message: str, value: Identity, dataset: str, others: int) -> None:
        super().__init__(message)
        self.value = value
        self.dataset = dataset
        self.others = others


class BlastRadius(ReachStopped):
    """The request reached records of people that carry none of the person's values."""

    def __init__(self, message: str, dataset: str, count: int, path: list[str]) -> None:
        super().__init__(message)
        self.dataset = dataset
        self.count = count
        self.path = path


@dataclass
class Found:
    """The rows one step found for one person, how each was found, and what was queried."""

    step: Step
    rows: list[Row] = field(default_factory=list)
    #: Field → every value it was queried with (stored forms), in order.
    queried: dict[str, list[Any]] = field(default_factory=dict)
    #: Row key → the identity values that found it.
    by_value: dict[RowKey, set[Identity]] = field(default_factory=dict)
    #: Row key → the first (step, field) whose link found it.
    by_link: dict[RowKey, tuple[int, str]] = field(default_factory=dict)
    #: Row key → how many other records share it (0: it belongs to a shared row).
    shared: dict[RowKey, int] = field(default_factory=dict)
    #: Row key → (how many other records refer to it, through which reference): rows others
    #: need to keep pointing at (filled when the runner is asked for referrers).
    referred: dict[RowKey, tuple[int, str]] = field(default_factory=dict)
    #: A row the queries returned was not given to the person (left out by the operator's
    #: choice, or a stored value that only looks like theirs): the values queried then find
    #: more than the person's rows, so writes must name rows by key, never by those values.
    skipped: bool = False
    _index: dict[RowKey, int] = field(default_factory=dict, repr=False)
    _values: dict[str, tuple[int, list[Any]]] = field(default_factory=dict, repr=False)
    _harvested: set[RowKey] = field(default_factory=set, repr=False)
    #: How many of ``rows`` :func:`_harvest` has been through (owned rows).
    _harvested_to: int = field(default=0, repr=False)

    def key(self, row: Row) -> RowKey:
        pk = self.step.primary_key
        if pk is not None and pk in row:
            return row[pk]
        return tuple(sorted(((k, repr(v)) for k, v in row.items()), key=str))

    def add(self, row: Row) -> tuple[RowKey, bool]:
        """Keep ``row`` if it is new; its key and whether it was new."""
        key = self.key(row)
        if key in self._index:
            return key, False
        self._index[key] = len(self.rows)
        self.rows.append(row)
        return key, True

    def values(self, column: str) -> list[Any]:
        """Distinct non-null values of ``column`` in the rows found."""
        cached = self._values.get(column)
        if cached is not None and cached[0] == len(self.rows):
            return cached[1]
        found = list(dict.fromkeys(r[column] for r in self.rows if r.get(column) is not None))
        self._values[column] = (len(self.rows), found)
        return found

    def row(self, key: RowKey) -> Row:
        return self.rows[self._index[key]]

    @property
    def owned_rows(self) -> list[Row]:
        """The rows that are the person's alone (not shared)."""
        return [r for r in self.rows if self.key(r) not in self.shared]


@dataclass
class MentionHit:
    """Rows of ``mention.dotted`` whose mention field names the person: the values as
    stored (exact, so a write can name them) and how many rows hold them."""

    mention: MentionField
    values: list[Any]
    rows: int


@dataclass(eq=False)  # people are told apart by identity, not by equal rows
class Person:
    """One person of a run: their values, their rows per step, and why they stopped."""

    plan: Plan
    choices: Choices = Choices()
    values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: Where each value was first found ("given", or "system.dataset.field").
    origin: dict[Identity, str] = field(default_factory=dict)
    #: The row each found value was first read from: (step, row key).
    origin_row: dict[Identity, tuple[int, RowKey]] = field(default_factory=dict)
    found: dict[int, Found] = field(default_factory=dict)
    context: dict[str, list[Row]] = field(default_factory=dict)
    mentions: list[MentionHit] = field(default_factory=list)
    stopped: ReachStopped | None = None
    #: (step, row key) of rows left out by the operator's --ignore-value choice.
    excluded: set[tuple[int, RowKey]] = field(default_factory=set)
    _asked: dict[tuple[int, str], set[str]] = field(
        default_factory=lambda: defaultdict(set), repr=False
    )

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget what was found (not the exclusions): the runner starts this person again."""
        self.values = defaultdict(set)
        self.origin = {}
        self.origin_row = {}
        self._asked = defaultdict(set)
        self.found = {s.number: Found(s) for s in self.plan.steps}
        for identity in self.plan.identities:
            self._learn(identity, "given")

    def _learn(self, identity: Identity, where: str) -> bool:
        # An ignored value found on the person's rows is not used; one they gave still finds
        # rows, but those that belong to someone else are left out (see _check).
        ignored = identity in self.choices.ignore and where != "given"
        if ignored or identity.value in self.values[identity.kind]:
            return False
        self.values[identity.kind].add(identity.value)
        self.origin.setdefault(identity, where)
        return True

    @property
    def identities(self) -> list[Identity]:
        """Every identity value of the person: given, then found on their rows."""
        return [Identity(k, v) for k, vs in self.values.items() for v in sorted(vs)]

    @property
    def rows(self) -> dict[str, list[Row]]:
        return {f.step.dotted: f.rows for f in self.found.values()}

    @property
    def counts(self) -> dict[str, int]:
        return {f.step.dotted: len(f.rows) for f in self.found.values()}


@dataclass
class Reached:
    """One person's rows, as :func:`find` found them."""

    person: Person

    @property
    def plan(self) -> Plan:
        return self.person.plan

    @property
    def found(self) -> dict[int, Found]:
        return self.person.found

    @property
    def rows(self) -> dict[str, list[Row]]:
        """ "system.dataset" → the person's rows there (their own and shared ones)."""
        return {d: rows for d, rows in self.person.rows.items() if rows}

    @property
    def shared(self) -> dict[str, list[RowKey]]:
        """ "system.dataset" → keys of the rows among ``rows`` that are shared."""
        return {f.step.dotted: list(f.shared) for f in self.found.values() if f.shared}

    @property
    def context(self) -> dict[str, list[Row]]:
        return self.person.context


def find(
    declaration: Declaration,
    identities: Sequence[Identity],
    connectors: Mapping[str, Connector],
    *,
    choices: Choices | None = None,
    context: bool = True,
) -> Reached:
    """The person's rows; raises :class:`ReachStopped` when the request must stop."""
    person = Person(make_plan(declaration, identities), choices or Choices())
    run([person], connectors, context=context)
    if person.stopped is not None:
        raise person.stopped
    return Reached(person)


def locate(
    plan: Plan,
    connectors: Mapping[str, Connector],
    wanted: Callable[[Step], Iterable[str]] | None = None,
    *,
    seed: Seed | None = None,
    choices: Choices | None = None,
    check: bool = True,
    mentions: bool = False,
    excluded: set[tuple[int, RowKey]] | None = None,
) -> dict[int, Found]:
    """Run ``plan`` for its one person and return each step's rows (every column).

    ``seed`` adds values to query per step and field: erasure verifies with the values it
    queried before, so rows whose parent was deleted are still checked. ``check=False``
    skips the stops (verification runs after the writes). ``wanted`` is accepted for
    callers that name the columns they use; every column is read.
    """
    person = locate_person(
        plan,
        connectors,
        seed=seed,
        choices=choices,
        check=check,
        mentions=mentions,
        excluded=excluded,
    )
    return person.found


def locate_person(
    plan: Plan,
    connectors: Mapping[str, Connector],
    *,
    seed: Seed | None = None,
    choices: Choices | None = None,
    check: bool = True,
    mentions: bool = False,
    excluded: set[tuple[int, RowKey]] | None = None,
    referrers: bool = False,
) -> Person:
    """:func:`locate`, returning the whole :class:`Person` (values, mentions).

    ``excluded`` names rows (step, key) left out before, by the operator's choice: erasure
    verifies without them, as it erased without them.
    """
    person = Person(plan, choices or Choices(), excluded=set(excluded or ()))
    run([person], connectors, seed=seed, check=check, mentions=mentions, referrers=referrers)
    if person.stopped is not None:
        raise person.stopped
    return person


def run(
    people: Sequence[Person],
    connectors: Mapping[str, Connector],
    *,
    seed: Seed | None = None,
    check: bool = True,
    context: bool = False,
    mentions: bool = False,
    referrers: bool = False,
    batch_size: int = READ_BATCH,
) -> None:
    """Find every person's rows; people who must stop get ``stopped`` set, the rest go on.

    ``referrers`` also finds, for each of the person's rows, the rows of other people that
    refer to it (a payment of someone else's that names the person's rental): erasure keeps
    such rows rather than break the other records.

    Every person must share one plan's steps (one plan per shape of identities given).
    A system missing from ``connectors`` is skipped (replay of one restored system).
    """
    if not people:
        return
    if seed is not None and len(people) != 1:
        raise ValueError("seed values belong to one person; run them one at a time")
    plan = people[0].plan
    todo = list(people)
    while todo:
        _fixpoint(plan, todo, connectors, seed, batch_size)
        again: list[Person] = []
        for person in todo if check else ():
            left_out = len(person.excluded)
            try:
                _check(person, set(connectors))
            except ReachStopped as exc:
                person.stopped = exc
                continue
            if len(person.excluded) > left_out:
                # The operator said a shared value is not theirs: the rows it found that belong
                # to someone else are left out, and the person is found again without them.
                person.reset()
                again.append(person)
        todo = again
    live = [p for p in people if p.stopped is None]
    _mark_shared(plan, live, connectors, batch_size)
    if context:
        _context(plan, live, connectors, batch_size)
    if mentions:
        _mentions(plan, live, connectors, batch_size)
    if referrers:
        _referrers(plan, live, connectors, batch_size)


# -- reading ------------------------------------------------------------------------------


def _fixpoint(
    plan: Plan,
    people: Sequence[Person],
    connectors: Mapping[str, Connector],
    seed: Seed | None,
    batch_size: int,
) -> None:
    """Pass over the steps until no step has a new value to query for anyone."""
    progress = True
    while progress:
        progress = False
        for step in plan.steps:
            connector = connectors.get(step.system)
            if connector is None:
                continue
            for match in step.matches:
                if _read(step, match.field, match.fold_case, people, connector, seed, batch_size):
                    progress = True
        for person in people:
            if _harvest(person):
                progress = True


@functools.lru_cache(maxsize=65_536)
def canonical(kind: str, value: Any) -> str | None:
    """A stored value as the normalised identity of ``kind``; None when it cannot be one."""
    if value is None:
        return None
    try:
        return normalise(kind, str(value))
    except IdentityInvalid:
        return None


@functools.lru_cache(maxsize=65_536)
def _forms(kind: str, value: str) -> tuple[str, ...]:
    """:func:`stored_forms`, once per value: a phone's spellings take phonenumbers a parse and
    three formats, and a batch asks for the same values on every phone field."""
    return tuple(stored_forms(kind, value))


def link_key(value: Any, fold_case: bool = False) -> str:
    """How a key value read back is matched to the one asked for ("12" and 12 alike; folded
    as the connectors fold where the field is compared without case)."""
    text = str(value).strip() if isinstance(value, str) else str(value)
    return fold(text) if fold_case else text


def _read(
    step: Step,
    name: str,
    fold_case: bool,
    people: Sequence[Person],
    connector: Connector,
    seed: Seed | None,
    batch_size: int,
) -> bool:
    """Query ``step.name`` with every person's new values; give each row to its people."""
    match = next(m for m in step.matches if m.field == name)
    kind = next((k for f, k in step.identities if f == name), None)
    by_identity: dict[str, list[Person]] = defaultdict(list)  # canonical value → people
    by_key: dict[str, list[tuple[Person, int]]] = defaultdict(list)  # key → (person, step)
    send: dict[Any, None] = {}
    for person in people:
        asked = person._asked[(step.number, name)]
        queried = person.found[step.number].queried.setdefault(name, [])
        for source in match.sources:
            if source.via == "identity":
                assert source.identity is not None
                for value in sorted(person.values.get(source.identity, ())):
                    mark = f"i:{value}"
                    if mark in asked:
                        continue
                    asked.add(mark)
                    by_identity[value].append(person)
                    forms = _forms(source.identity, value)
                    queried.extend(forms)
                    send.update(dict.fromkeys(forms))
            else:
                assert source.step is not None and source.column is not None
                for value in person.found[source.step].values(source.column):
                    link = link_key(value, fold_case)
                    mark = f"k:{link}"
                    if mark in asked:
                        continue
                    asked.add(mark)
                    by_key[link].append((person, source.step))
                    queried.append(value)
                    send[value] = None
        if seed is not None:
            for value in seed.get(step.number, {}).get(name, ()):
                mark = f"s:{link_key(value)}"
                if mark in asked:
                    continue
                asked.add(mark)
                queried.append(value)
                send[value] = None
                # An identity value matches its other spellings (case, phone forms) too.
                held = canonical(kind, value) if kind is not None else None
                if held is not None:
                    by_identity[held].append(person)
                else:
                    by_key[link_key(value, fold_case)].append((person, 0))
    if not send:
        return False
    query = Select(step.dataset, name, list(send), (), fold_case)
    # Only what this read can match is worked out per row (a field matched by key values
    # alone needs no identity parsing), and each identity value is made once per read.
    by_value = kind is not None and bool(by_identity)
    identities: dict[str, Identity] = {}
    for batch in connector.read(query, batch_size=batch_size):
        for row in batch:
            raw = row.get(name)
            held = canonical(kind, raw) if by_value and kind is not None else None
            owners = by_identity.get(held, []) if held is not None else []
            linked = by_key.get(link_key(raw, fold_case), []) if by_key and raw is not None else []
            if not owners and not linked:
                for person in people:
                    person.found[step.number].skipped = True
                continue
            for person in owners:
                assert held is not None and kind is not None
                identity = identities.get(held)
                if identity is None:
                    identity = identities[held] = Identity(kind, held)
                here = person.found[step.number]
                if person.excluded and (step.number, here.key(row)) in person.excluded:
                    here.skipped = True
                    continue
                key, _new = here.add(row)
                here.by_value.setdefault(key, set()).add(identity)
            for person, came in linked:
                here = person.found[step.number]
                if person.excluded and (step.number, here.key(row)) in person.excluded:
                    here.skipped = True
                    continue
                key, _new = here.add(row)
                if came:
                    here.by_link.setdefault(key, (came, name))
    # Each value is sent once per person, so the passes end when no new value turns up.
    return True


def _harvest(person: Person) -> bool:
    """Learn the linking identity values on the person's rows; whether any was new."""
    learnt = False
    for found in person.found.values():
        step = found.step
        linking = [(f, k) for f, k in step.identities if k in LINKING]
        if not linking:
            continue
        if step.role == "people":
            rows = found.rows
        else:
            # Rows are only ever appended, and an owned row is harvested when first seen: the
            # rows not harvested yet are those after the last pass's end.
            rows = found.rows[found._harvested_to :]
            found._harvested_to = len(found.rows)
        for row in rows:
            key = found.key(row)
            if key in found._harvested:
                continue
            if step.role == "people" and key not in found.by_value:
                continue  # a record of people reached only by reference is not theirs
            found._harvested.add(key)
            for name, kind in linking:
                value = canonical(kind, row.get(name))
                if value is None or value in person.values.get(kind, ()):
                    continue  # known already: learning it again changes nothing
                identity = Identity(kind, value)
                if person._learn(identity, f"{step.dotted}.{name}"):
                    person.origin_row[identity] = (step.number, key)
                    learnt = True
    return learnt


# -- the stops ----------------------------------------------------------------------------


def _check(person: Person, systems: set[str]) -> None:
    """Stop the person's request if it would merge two people or reach someone else.

    An owned row's owner can only be checked where the owner's system was read: a replay on
    one restored system, for people the ledger already knows, has nothing to check it against.
    """
    for found in person.found.values():
        if found.step.role != "people":
            continue
        stray = [r for r in found.rows if found.key(r) not in found.by_value]
        if stray:
            path = _path(person, found.step.number)
            raise BlastRadius(
                f"stopped before reading out or changing anything: the request reached "
                f"{len(stray)} record(s) of {found.step.dotted}, a dataset of people, that "
                f"carry none of the person's identity values, through {' → '.join(path)}. "
                "Declare the reference that led there reach: context (or the dataset's "
                "about:), then run the request again",
                found.step.dotted,
                len(stray),
                path,
            )
    same = person.choices.same_person
    for found in person.found.values():
        step = found.step
        if step.role == "people":
            _one_person(person, found, same)
        owner = step.owner
        if owner is not None and owner.target.partition(".")[0] in systems:
            _owned_by_them(person, found, same)


def _one_person(person: Person, found: Found, same: frozenset[Identity]) -> None:
    """A person is at most one record of each dataset of people."""
    if len(found.rows) < 2:
        return
    keys = [found.key(r) for r in found.rows]
    open_ = [k for k in keys if not (found.by_value.get(k, set()) & same)]
    if len(open_) < 2:
        return
    ignored = person.choices.ignore
    only = [k for k in open_ if k not in found.by_link and found.by_value.get(k, set()) <= ignored]
    if only and len(only) < len(open_):
        # Records found only through a value the operator says is not the person's.
        person.excluded.update((found.step.number, k) for k in only)
        return
    value, others = _blame(person, found, open_)
    where = person.origin.get(value, "given")
    found_on = "given by the person" if where == "given" else f"found on {where}"
    raise AmbiguousIdentity(
        f"stopped as ambiguous before reading out or changing anything: the {_label(value)} "
        f"({found_on}) would make this one request reach {len(open_)} records of "
        f"{found.step.dotted}, a dataset where each record is a person; it is held by "
        f"{others} other record(s) there. {_choices(value)}",
        value,
        found.step.dotted,
        others,
    )


def _blame(person: Person, found: Found, keys: list[RowKey]) -> tuple[Identity, int]:
    """The value that brought in a record beyond the person's own, and how many other
    records it found: the person's own record is the one their given values found."""

    def given(key: RowKey) -> bool:
        return any(person.origin.get(v) == "given" for v in found.by_value.get(key, ()))

    mine = next((k for k in keys if given(k)), keys[0])
    extra = next(k for k in keys if k != mine)

    def rank(value: Identity) -> tuple[bool, bool, str, str]:
        # A value read off the extra record itself did not bring it in: blame another.
        itself = person.origin_row.get(value) == (found.step.number, extra)
        return (person.origin.get(value) != "given", itself, value.kind, value.value)

    candidates = sorted(found.by_value.get(extra, ()), key=rank)
    if not candidates:  # reached only through references: the blast radius says so
        return Identity("record", str(extra)), len(keys) - 1
    value = candidates[0]
    others = sum(1 for k in keys if k != mine and value in found.by_value.get(k, ()))
    return value, others


def _owned_by_them(person: Person, found: Found, same: frozenset[Identity]) -> None:
    """An owned row found by a value must not belong to someone else."""
    link = found.step.owner
    assert link is not None
    parent = person.plan.find(link.target)
    mine = (
        {link_key(v) for v in person.found[parent.number].values(link.key)}
        if parent is not None
        else set()
    )
    theirs: dict[Identity, int] = defaultdict(int)
    for key, values in found.by_value.items():
        if key in found.by_link or values & same:
            continue
        owner = found.row(key).get(link.field)
        if owner is not None and link_key(owner) not in mine:
            if values <= person.choices.ignore:
                person.excluded.add((found.step.number, key))  # someone else's: left out
                continue
            for value in values:
                theirs[value] += 1
    if theirs:
        value, count = next(iter(theirs.items()))
        raise AmbiguousIdentity(
            f"stopped as ambiguous before reading out or changing anything: the "
            f"{_label(value)} matches {count} row(s) of {found.step.dotted} that belong to "
            f"someone else ({link.label} refers to a {link.target} record this request did "
            f"not reach as the person's). {_choices(value)}",
            value,
            found.step.dotted,
            count,
        )


def _label(value: Identity) -> str:
    return f"{value.kind.replace('_', ' ')} {value.value}"


def _choices(value: Identity) -> str:
    flag = f"{value.kind}:{value.value}"
    return (
        "Nothing was read out or changed. If the records are one person's, go on with "
        f"--same-person {flag}; if the value is not theirs, with --ignore-value {flag}"
    )


def _path(person: Person, number: int) -> list[str]:
    """How the request came to step ``number``: back along links to a step found by value."""
    out: list[str] = []
    seen: set[int] = set()
    while number not in seen:
        seen.add(number)
        found = person.found[number]
        step = found.step
        linked = list(found.by_link.values())
        if not linked or found.by_value:
            out.append(f"{step.dotted} (found by the person's identity values)")
            break
        source, name = linked[0]
        out.append(f"{step.dotted} (through {step.dataset}.{name})")
        number = source
    return list(reversed(out))


# -- shared rows, context, mentions ---------------------------------------------------------


def _mark_shared(
    plan: Plan, people: Sequence[Person], connectors: Mapping[str, Connector], batch_size: int
) -> None:
    """Mark owned rows other people's rows also own, and everything that belongs to them.

    A row reached through ``owns`` is shared when rows not the person's refer to it by any
    reference, from a dataset the plan reads or not (a customer's address is shared with an
    employee who lives there too; an agent record someone else's call also names). A row
    found only by one of the person's own values is theirs, whoever else points at it: it is
    never marked; one their rows also reach through ownership can be.
    """
    owned_through = {link.target for link in plan.links if link.reach == "owns"}
    for link in plan.links:
        step = plan.find(link.target)
        if link.target not in owned_through or step is None:
            continue
        system, _, dataset = link.dataset.partition(".")
        connector = connectors.get(system)
        if connector is None:
            continue
        origin = plan.find(link.dataset)
        _owners(step, link.key, origin, dataset, link.field, people, connector, batch_size)
    changed = True
    while changed:
        changed = False
        for person in people:
            for step in plan.steps:
                here = person.found[step.number]
                for match in step.matches:
                    for source in match.sources:
                        if source.step is None or source.column is None:
                            continue
                        there = person.found[source.step]
                        if not there.shared:
                            continue
                        tainted = {
                            link_key(r.get(source.column))
                            for r in there.rows
                            if there.key(r) in there.shared
                        }
                        for row in here.rows:
                            key = here.key(row)
                            if (
                                key not in here.shared
                                and (key not in here.by_value or key in here.by_link)
                                and link_key(row.get(match.field)) in tainted
                            ):
                                here.shared[key] = 0
                                changed = True


def _owners(
    step: Step,
    key_field: str,
    origin: Step | None,
    dataset: str,
    column: str,
    people: Sequence[Person],
    connector: Connector,
    batch_size: int,
) -> None:
    """Rows of ``step`` that rows of ``dataset`` not the person's also own through
    ``column``; ``origin`` is the step reading ``dataset``, if the plan reads it."""
    wanted: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        for value in person.found[step.number].values(key_field):
            wanted[link_key(value)].append(person)
    if not wanted:
        return
    values = list({v: None for p in people for v in p.found[step.number].values(key_field)})
    others: dict[tuple[int, str], int] = defaultdict(int)
    for batch in connector.read(Select(dataset, column, values), batch_size=batch_size):
        for row in batch:
            value = link_key(row.get(column))
            for person in wanted.get(value, ()):
                mine = person.found[origin.number] if origin is not None else None
                if mine is None or mine.key(row) not in mine._index:
                    others[(id(person), value)] += 1
    for person in people:
        here = person.found[step.number]
        for row in here.rows:
            key = here.key(row)
            count = others.get((id(person), link_key(row.get(key_field))), 0)
            if count and (key not in here.by_value or key in here.by_link):
                here.shared[key] = max(count, here.shared.get(key, 0))


def _referrers(
    plan: Plan, people: Sequence[Person], connectors: Mapping[str, Connector], batch_size: int
) -> None:
    """Count, per row of the person's, the rows of others that refer to it, by any reference
    (a context reference, a self-reference, or an ownership one from a row not theirs)."""
    for link in plan.links:
        target = plan.find(link.target)
        system, _, dataset = link.dataset.partition(".")
        connector = connectors.get(system)
        if target is None or connector is None:
            continue
        source = plan.find(link.dataset)
        wanted: dict[str, list[Person]] = defaultdict(list)
        for person in people:
            for value in person.found[target.number].values(link.key):
                wanted[link_key(value)].append(person)
        if not wanted:
            continue
        values = list({v: None for p in people for v in p.found[target.number].values(link.key)})
        counts: dict[tuple[int, str], int] = defaultdict(int)
        for batch in connector.read(Select(dataset, link.field, values), batch_size=batch_size):
            for row in batch:
                value = link_key(row.get(link.field))
                for person in wanted.get(value, ()):
                    mine = person.found[source.number] if source is not None else None
                    if mine is None or mine.key(row) not in mine._index:
                        counts[(id(person), value)] += 1
        for person in people:
            here = person.found[target.number]
            for row in here.rows:
                count = counts.get((id(person), link_key(row.get(link.key))), 0)
                if count:
                    key = here.key(row)
                    before = here.referred.get(key, (0, ""))[0]
                    here.referred[key] = (before + count, link.label)


def _context(
    plan: Plan, people: Sequence[Person], connectors: Mapping[str, Connector], batch_size: int
) -> None:
    """The context rows shown in access: those the person's own rows refer to."""
    for link in plan.context:
        system, _, dataset = link.target.partition(".")
        connector = connectors.get(system)
        if connector is None:
            continue
        wanted = {p: p.found[link.step].values(link.field) for p in people}
        values = list({v: None for vs in wanted.values() for v in vs})
        if not values:
            continue
        rows: dict[str, list[Row]] = defaultdict(list)
        for batch in connector.read(Select(dataset, link.key, values), batch_size=batch_size):
            for row in batch:
                rows[link_key(row.get(link.key))].append(row)
        for person, mine in wanted.items():
            shown = person.context.setdefault(link.target, [])
            for value in mine:
                for row in rows.get(link_key(value), ()):
                    if row not in shown:
                        shown.append(row)


def _mentions(
    plan: Plan, people: Sequence[Person], connectors: Mapping[str, Connector], batch_size: int
) -> None:
    """Rows anywhere whose mention fields name the person, counted per field."""
    for mention in plan.mentions:
        connector = connectors.get(mention.system)
        if connector is None:
            continue
        fold = mention.kind == "email"
        for person in people:
            values = [
                form
                for value in sorted(person.values.get(mention.kind, ()))
                for form in stored_forms(mention.kind, value)
            ]
            if not values:
                continue
            stored: dict[Any, None] = {}
            count = 0
            query = Select(mention.dataset, mention.field, values, (mention.field,), fold)
            for batch in connector.read(query, batch_size=batch_size):
                for row in batch:
                    value = row.get(mention.field)
                    if canonical(mention.kind, value) in person.values[mention.kind]:
                        stored[value] = None
                        count += 1
            if count:
                person.mentions.append(MentionHit(mention, list(stored), count))
