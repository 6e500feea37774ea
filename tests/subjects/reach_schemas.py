"""Random small schemas, their declarations and their rows, for the subject-reach properties.

A schema is drawn from the shapes real estates have (README "Whose rows are these"): context
datasets (city, product, store; some shown in access), datasets of people (customer, maybe
employee, maybe a dependant that belongs to a customer), an address a customer owns and
others may share, owned datasets in chains two or three deep, join tables that refer to
context, a second person on an owned row (the agent: reach: context), self-references (a
referrer, a manager), a store and its manager referring to each other, mentions of phones and
emails, and now and then a reference that leads into someone else's record (blast radius).
Roles and reaches are sometimes declared and sometimes left to inference, always in a way
``pledge check`` accepts.

The rows share identity values the way households do: two people with one landline, an invoice
sent to a relative's email, emails stored in another case, phones in every stored spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from hypothesis import strategies as st

from pledge.subjects.identity import stored_forms

Role = Literal["people", "owned", "context"]
World = dict[str, list[dict[str, Any]]]

EMAILS = (
    "ann@example.uk",
    "bob@example.uk",
    "cat@example.uk",
    "dan@example.uk",
    "jose@example.uk",
    "josé@example.uk",  # not jose@: accents are significant on every engine
    "eve@northwold.example",
    "fay@northwold.example",
)
PHONES = (
    "+441482123401",
    "+441482123402",
    "+441482123403",
    "+441482123404",
    "+447700900123",
    "+447700900456",
    "+441904000001",
    "+441904000002",
)
#: Values that belong to nobody in the estate: what a mention of an outsider holds.
OUTSIDERS = {"email": "zed@elsewhere.example", "phone": "+441632960000"}
NAMES = ("Ann Smith", "Bob Smith", "Cat Jones", "Dan Jones", "José Pérez", "Eve Hill")

CATEGORY = {
    "name": "user.name",
    "note": "user.content",
    "email": "user.contact.email",
    "phone": "user.contact.phone_number",
    "line": "user.contact.address.street",
    "postcode": "user.contact.address.postal_code",
    "called": "telecom.call_detail_record",
}


@dataclass(frozen=True)
class Column:
    """One column: its SQL type, its field in the declaration and how rows fill it."""

    name: str
    type: Literal["int", "text"]
    spec: dict[str, Any]
    #: pk, ref, owner (the reference to the row's owner), email, phone (the row's own
    #: identity), mention-email, mention-phone, name, note, line, postcode, plain.
    fill: str
    target: str | None = None


@dataclass(frozen=True)
class Table:
    """One dataset: its columns, what the declaration says about it, how many rows."""

    name: str
    system: str
    role: Role  # what the generator meant; the oracle reads the declaration instead
    columns: tuple[Column, ...]
    settings: dict[str, Any]
    sizes: tuple[int, int]

    @property
    def key(self) -> str:
        return next(c.name for c in self.columns if c.fill == "pk")

    @property
    def dotted(self) -> str:
        return f"{self.system}.{self.name}"


@dataclass(frozen=True)
class Schema:
    tables: tuple[Table, ...]

    @property
    def systems(self) -> list[str]:
        return sorted({t.system for t in self.tables})

    def __repr__(self) -> str:  # the declaration, printed with any failure, says the rest
        return f"Schema({', '.join(t.dotted for t in self.tables)})"

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def declaration(self, urls: Mapping[str, str]) -> str:
        """The declaration as YAML, each system connected to its URL in ``urls``."""
        systems = {
            system: {
                "connection": urls[system],
                "datasets": {
                    t.name: {**t.settings, "fields": {c.name: c.spec for c in t.columns}}
                    for t in self.tables
                    if t.system == system
                },
            }
            for system in self.systems
        }
        data = {
            "pledge": 1,
            "controller": {"name": "Reach Test Ltd", "address": "1 Quay Street, Hull"},
            "systems": systems,
        }
        return yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
        )


class _Draft:
    """Tables being drawn: which exist, in which system, their keys and their columns."""

    def __init__(self, draw: st.DrawFn, names: list[str], systems: list[str]) -> None:
        self.draw = draw
        self.system = {n: draw(st.sampled_from(systems)) for n in names}
        # An account may be keyed by its account number (an identity, and a text key).
        numbered = "account" in names and self.chance(2)
        self.keys = {n: "number" if n == "account" and numbered else "id" for n in names}
        self.tables: list[Table] = []

    def chance(self, one_in: int) -> bool:
        return self.draw(st.integers(0, one_in - 1)) == 0

    def ref(
        self, here: str, target: str, name: str | None = None, fill: str = "ref", **extra: Any
    ) -> Column:
        """A column of ``here`` referring to ``target``'s key, across systems if need be."""
        where = f"{target}.{self.keys[target]}"
        if self.system[here] != self.system[target]:
            where = f"{self.system[target]}.{where}"
        kind: Literal["int", "text"] = "text" if self.keys[target] == "number" else "int"
        return Column(name or f"{target}_id", kind, {"references": where, **extra}, fill, target)

    def add(
        self,
        name: str,
        role: Role,
        columns: list[Column],
        sizes: tuple[int, int],
        settings: dict[str, Any],
    ) -> None:
        # Every personal non-key field of a dataset erased by update says what becomes of it.
        if settings.get("erase") == "update":
            columns = [_nullified(c) for c in columns]
        self.tables.append(Table(name, self.system[name], role, tuple(columns), settings, sizes))


def _nullified(column: Column) -> Column:
    spec = column.spec
    personal = spec.get("categories") or spec.get("identity")
    is_key = spec.get("primary_key") or spec.get("references")
    if personal and not is_key and "erase" not in spec:
        spec = {**spec, "erase": "nullify"}
    return Column(column.name, column.type, spec, column.fill, column.target)


def _field(fill: str, kind: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"categories": [CATEGORY[fill]]}
    if kind is not None:
        spec["identity"] = kind
    return spec


def _text(name: str, fill: str) -> Column:
    return Column(name, "text", _field(fill), fill)


def _key(kind: str | None = None) -> Column:
    spec: dict[str, Any] = {"primary_key": True}
    if kind is not None:
        spec["identity"] = kind
    return Column("id", "int", spec, "pk")


@st.composite
def schemas(draw: st.DrawFn) -> Schema:
    """A small schema and its declaration's settings, always accepted by ``pledge check``."""
    owned_names = ["account", "rental", "invoice", "call_log", "ticket", "timesheet"]
    chosen = draw(st.lists(st.sampled_from(owned_names), min_size=1, max_size=4, unique=True))
    odds = {"city": 2, "product": 3, "store": 2, "employee": 2, "dependant": 6, "address": 2}
    odds["newsletter"] = 4
    present = {n for n, one_in in odds.items() if draw(st.integers(0, one_in - 1)) == 0}
    if "timesheet" in chosen:
        present.add("employee")
    systems = ["crm", "billing"] if draw(st.booleans()) else ["crm"]
    names = ["customer", *sorted(present), *chosen]
    d = _Draft(draw, names, systems)
    erase_of = {n: "update" if d.chance(3) else "delete" for n in names}
    _context(d, present)
    _people(d, present, erase_of)
    if "address" in present:
        _address(d, present, erase_of["address"])
    made: dict[str, tuple[str, int]] = {"customer": ("customer", 0)}  # table → (root, depth)
    if "employee" in present:
        made["employee"] = ("employee", 0)
    for name in chosen:
        options = ["employee"] if name == "timesheet" else [n for n, m in made.items() if m[1] < 3]
        parent = draw(st.sampled_from(options))
        root, depth = made[parent]
        _owned(d, name, parent, root, present, erase_of[name])
        made[name] = (root, depth + 1)
    if "newsletter" in present:
        # Owned, found only by its identities: nobody's reference leads to it.
        columns = [_key(), Column("email", "text", _field("email", "email"), "owned-email")]
        if d.chance(2):
            columns.append(Column("phone", "text", _field("phone", "phone"), "owned-phone"))
        settings = {"about": "owned"} if d.chance(2) else {}
        d.add("newsletter", "owned", columns, (0, 4), {**settings, "erase": erase_of["newsletter"]})
    return Schema(_deleting_parents_first(d.tables))


def _deleting_parents_first(tables: list[Table]) -> tuple[Table, ...]:
    """Erasure refuses to delete rows that rows it only updates still refer to (it would
    break the reference), a rule apart from reach: a dataset erased by update that refers to
    people or owned rows erased by delete is made to delete its rows too."""
    erase = {t.name: t.settings["erase"] for t in tables if "erase" in t.settings}
    role = {t.name: t.role for t in tables}
    changed = True
    while changed:
        changed = False
        for t in tables:
            targets = {c.target for c in t.columns if c.target and role[c.target] != "context"}
            if erase.get(t.name) == "update" and any(erase[u] == "delete" for u in targets):
                erase[t.name] = "delete"
                changed = True
    return tuple(
        Table(t.name, t.system, t.role, t.columns, {**t.settings, "erase": erase[t.name]}, t.sizes)
        if t.name in erase
        else t
        for t in tables
    )


def _context(d: _Draft, present: set[str]) -> None:
    for name in ("city", "product", "store"):
        if name not in present:
            continue
        columns = [_key(), Column("name", "text", {"description": "What it is called"}, "plain")]
        if name == "store":
            if "city" in present and d.chance(2):
                columns.append(d.ref(name, "city"))
            if "employee" in present and d.chance(2):
                # The store names its manager and the employee names the store: a cycle
                # of references that is not ownership.
                columns.append(d.ref(name, "employee", "manager_id"))
            if d.chance(4):
                mention = {"mention": "email", "erase": "nullify", **_field("email")}
                columns.append(Column("manager_email", "text", mention, "mention-email"))
        # Undeclared, a dataset with a reference or a mention would be inferred owned.
        plain = len(columns) == 2 and d.chance(2)
        settings: dict[str, Any] = {} if plain else {"about": "context"}
        if d.chance(2):
            settings["show_in_access"] = True
        d.add(name, "context", columns, (1, 3), settings)


def _people(d: _Draft, present: set[str], erase_of: Mapping[str, str]) -> None:
    kinds = {"customer": "customer_id", "employee": "employee_id", "dependant": "applicant_id"}
    for name in ("employee", "customer", "dependant"):
        if name not in present and name != "customer":
            continue
        columns = [_key(kinds[name])]
        if not d.chance(2 if name == "dependant" else 6):
            columns.append(Column("email", "text", _field("email", "email"), "email"))
        if d.chance(2):
            columns.append(Column("phone", "text", _field("phone", "phone"), "phone"))
        columns.append(_text("full_name", "name"))
        must_say = False
        if name != "dependant" and "store" in present and d.chance(2):
            columns.append(d.ref(name, "store", **({"reach": "context"} if d.chance(3) else {})))
        if name != "dependant" and d.chance(3):
            own = "referrer_id" if name == "customer" else "manager_id"
            columns.append(d.ref(name, name, own, **({"reach": "context"} if d.chance(3) else {})))
        if name == "customer" and "employee" in present and d.chance(3):
            # Refers to another dataset keyed by an identity: inferred, it would be owned.
            columns.append(d.ref(name, "employee", "account_manager_id"))
            must_say = True
        if "address" in present and (name == "customer" or (name == "employee" and d.chance(3))):
            columns.append(d.ref(name, "address", reach="owns"))
        if name == "dependant":
            # A dataset of people that belongs to a customer: reach can carry a customer's
            # request into someone else's record, and the request must then stop.
            columns.append(d.ref(name, "customer", "parent_id", reach="belongs-to"))
            must_say = True
        settings: dict[str, Any] = {"about": "people"} if must_say or d.chance(3) else {}
        sizes = {"customer": (2, 6), "employee": (1, 4), "dependant": (0, 3)}[name]
        d.add(name, "people", columns, sizes, {**settings, "erase": erase_of[name]})


def _address(d: _Draft, present: set[str], erase: str) -> None:
    columns = [_key(), _text("line1", "line"), _text("postcode", "postcode")]
    if "city" in present and d.chance(2):
        columns.append(d.ref("address", "city"))
    settings: dict[str, Any] = {"about": "owned"} if d.chance(2) else {}
    d.add("address", "owned", columns, (1, 4), {**settings, "erase": erase})


def _owned(d: _Draft, name: str, parent: str, root: str, present: set[str], erase: str) -> None:
    numbered = d.keys[name] == "number"
    key = (
        _key() if not numbered else Column("number", "text", {**_key("account_number").spec}, "pk")
    )
    declared = d.chance(2)
    owner = d.ref(name, parent, fill="owner", **({"reach": "belongs-to"} if declared else {}))
    columns = [key, owner]
    if not d.chance(4):
        columns.append(_text("note", "note"))
    if d.chance(3):
        columns.append(Column("sent_to", "text", _field("email", "email"), "owned-email"))
    if d.chance(5):
        columns.append(Column("contact_phone", "text", _field("phone", "phone"), "owned-phone"))
    for kind, column, category in (
        ("phone", "called_number", "called"),
        ("email", "referrer_email", "email"),
    ):
        if d.chance(3):
            strategy = d.draw(st.sampled_from(["nullify", "mask", "keep"]))
            spec = {"mention": kind, "erase": strategy, **_field(category)}
            columns.append(Column(column, "text", spec, f"mention-{kind}"))
    for context in ("store", "product", "city"):
        if context in present and d.chance(3):
            columns.append(d.ref(name, context, **({"reach": "context"} if d.chance(4) else {})))
    if "employee" in present and d.chance(3):
        # A second person on the row (the agent who served it). With the owner left to
        # inference it must say reach: context, or the owner would be ambiguous.
        say = not declared or d.chance(2)
        columns.append(d.ref(name, "employee", "agent_id", **({"reach": "context"} if say else {})))
    if d.chance(6):
        columns.append(d.ref(name, name, "previous_id"))
    if root == "customer" and "employee" in present and d.chance(8):
        # Declared as owning an employee's record: a request that crosses it reaches a row
        # of people that carries none of the requester's values, and must stop.
        columns.append(d.ref(name, "employee", "handler_id", reach="owns"))
    # Keyed by an identity, an account that refers to no dataset of people would be
    # inferred as people: say what it is.
    settings: dict[str, Any] = {"about": "owned"} if numbered or d.chance(3) else {}
    d.add(name, "owned", columns, (0, 5), {**settings, "erase": erase})


def _spellings(kind: str, canonical: str) -> list[str]:
    """How a system may store a value: emails in any case, phones in every stored form."""
    if kind == "email":
        return list(dict.fromkeys([canonical, canonical.upper(), canonical.capitalize()]))
    return stored_forms(kind, canonical)


def _canonical(kind: str, stored: str) -> str:
    return (
        stored.lower()
        if kind == "email"
        else next(p for p in PHONES if stored in _spellings("phone", p))
    )


@st.composite
def worlds(draw: st.DrawFn, schema: Schema) -> World:
    """Rows for every table: keys that point at existing rows or NULL, shared values."""
    pool = {"email": EMAILS, "phone": PHONES}
    keys: dict[str, list[Any]] = {}
    for index, table in enumerate(schema.tables, start=1):
        count = draw(st.integers(*table.sizes))
        if table.key == "number":
            keys[table.name] = [f"AC-{index}{n:02d}" for n in range(1, count + 1)]
        else:  # keys differ between tables, so a key read from the wrong table shows
            keys[table.name] = [index * 100 + n for n in range(1, count + 1)]
    world: World = {t.name: [{t.key: k} for k in keys[t.name]] for t in schema.tables}

    def chance(one_in: int) -> bool:
        return draw(st.integers(0, one_in - 1)) == 0

    def spelled(kind: str, index: int) -> str:
        return draw(st.sampled_from(_spellings(kind, pool[kind][index])))

    for table in schema.tables:
        # Mostly everyone has their own email and phone; some share (a household landline,
        # two records with one email), some have none.
        own = {kind: draw(st.permutations(range(len(pool[kind])))) for kind in pool}
        for n, row in enumerate(world[table.name]):
            for column in table.columns:
                fill = column.fill
                if fill in ("ref", "owner"):
                    assert column.target is not None
                    targets = [k for k in keys[column.target] if k != row[table.key]]
                    empty = chance(10 if fill == "owner" else 4)
                    row[column.name] = (
                        None if empty or not targets else draw(st.sampled_from(targets))
                    )
                elif fill in ("email", "phone"):
                    if chance(6):
                        row[column.name] = None
                    else:
                        shared = chance(5 if fill == "phone" else 8)
                        index = (
                            draw(st.integers(0, len(pool[fill]) - 1)) if shared else own[fill][n]
                        )
                        row[column.name] = spelled(fill, index)
                elif fill.startswith("mention-"):
                    kind = fill.removeprefix("mention-")
                    choice = draw(st.integers(0, 3))
                    if choice == 0:
                        row[column.name] = None
                    elif choice == 1:
                        row[column.name] = draw(st.sampled_from(_spellings(kind, OUTSIDERS[kind])))
                    else:
                        row[column.name] = spelled(kind, draw(st.integers(0, len(pool[kind]) - 1)))
                elif fill in ("name", "note", "line", "postcode", "plain"):
                    row[column.name] = _words(fill, draw(st.integers(0, 5)))
    # Identities on owned rows last: mostly the owner's own value, sometimes someone else's
    # (an invoice sent to a relative), sometimes none.
    for table in schema.tables:
        for row in world[table.name]:
            for column in table.columns:
                if not column.fill.startswith("owned-"):
                    continue
                kind = column.fill.removeprefix("owned-")
                person = _root(schema, world, table, row)
                theirs = person.get(kind) if person is not None else None
                choice = draw(st.integers(0, 4))
                if choice < 2:
                    row[column.name] = None
                elif choice < 4 and theirs is not None:
                    row[column.name] = draw(
                        st.sampled_from(_spellings(kind, _canonical(kind, theirs)))
                    )
                else:
                    row[column.name] = spelled(kind, draw(st.integers(0, len(pool[kind]) - 1)))
    return world


def _words(fill: str, n: int) -> str:
    if fill == "name":
        return NAMES[n]
    if fill == "line":
        return f"{n + 1} Quay Street"
    if fill == "postcode":
        return f"HU1 {n}AA"
    if fill == "note":
        return f"Rang about bill {n}"
    return f"Thing {n}"


def _root(schema: Schema, world: World, table: Table, row: dict[str, Any]) -> dict[str, Any] | None:
    """The row of people at the top of ``row``'s chain of owners, if every link is set."""
    seen = 0
    while table.role != "people":
        owner = next((c for c in table.columns if c.fill == "owner"), None)
        if owner is None or row[owner.name] is None or seen > len(schema.tables):
            return None
        assert owner.target is not None
        table = schema.table(owner.target)
        row = next(r for r in world[table.name] if r[table.key] == row[owner.name])
        seen += 1
    return row


@st.composite
def requesters(draw: st.DrawFn, schema: Schema, world: World) -> list[tuple[str, str]]:
    """What a person gives: their id, email or phone (as they spell it), or two of them."""
    people = [t for t in schema.tables if t.role == "people" and world[t.name]]
    table = draw(st.sampled_from(people))
    row = draw(st.sampled_from(world[table.name]))
    kind = next(c.spec["identity"] for c in table.columns if c.fill == "pk")
    options = [(kind, str(row[table.key]))]
    for column in ("email", "phone"):
        if row.get(column) is not None:
            stored = row[column]
            spelled = draw(st.sampled_from(_spellings(column, _canonical(column, stored))))
            options.append((column, spelled))
    return draw(st.lists(st.sampled_from(options), min_size=1, max_size=2, unique=True))
