"""Before/after figures for docs/reach-samples.md: what access and erasure do to each person
of the sample schemas, with whichever Pledge is on the path.

    python -m tests.samples.compare [--engine sqlite|postgres|mariadb]

Run with the code before subject reach (``PYTHONPATH=<worktree>/src:.``) it reads the
declarations without the keys that code does not know (about, reach, mention,
show_in_access) and answers access with the planner of that time; on current code it uses
the reach runner (``pledge.subjects.reach.find``). Each request runs on a freshly built
database; erasure's changes are compared with a snapshot taken just before it. Prints one
Markdown table per sample.
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from pledge.declaration import Loaded, load_text
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from tests.fixtures.keys import TEST_HASH_KEY
from tests.fixtures.samples.chinook import CHINOOK
from tests.fixtures.samples.load import Sample, build, changes, snapshot
from tests.fixtures.samples.sakila import SAKILA
from tests.samples import chinook_people, sakila_people
from tests.samples.people import Person

NEW_KEYS = ("about", "reach", "mention", "show_in_access")
SERVERS = {
    "postgres": (
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        'CREATE DATABASE "{}"',
        'DROP DATABASE "{}" WITH (FORCE)',
    ),
    "mariadb": (
        "mysql+pymysql://root@127.0.0.1:3306/",
        "CREATE DATABASE `{}` CHARACTER SET utf8mb4",
        "DROP DATABASE `{}`",
    ),
}


def _module(*names: str) -> Any:
    """The first of ``names`` that imports (modules moved between the two versions)."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    return None


REACH = _module("pledge.subjects.reach")
IDENTITY = _module("pledge.subjects.identity", "pledge.dsr.identity")
PLAN = _module("pledge.subjects.plan", "pledge.dsr.plan")


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in NEW_KEYS}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def declaration(sample: Sample) -> Loaded:
    """The sample's declaration, without the reach keys when this Pledge predates them."""
    text = sample.yaml()
    if REACH is None:
        text = yaml.safe_dump(_strip(yaml.safe_load(text)), sort_keys=False, allow_unicode=True)
    return load_text(text, str(sample.declaration))


@contextmanager
def database(engine: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database on ``engine``, dropped afterwards."""
    if engine == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex}.sqlite'}"
        return
    admin_url, create, drop = SERVERS[engine]
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"pledge_compare_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(create.format(name)))
    try:
        yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(drop.format(name)))
        admin.dispose()


def _identities(pairs: Iterable[tuple[str, str]]) -> list[Any]:
    return list(IDENTITY.parse(list(pairs)))


def _failure(exc: Exception, limit: int = 400) -> str:
    text = " / ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return f"{type(exc).__name__}: {text}"[:limit]


def access(sample: Sample, person: Person, url: str, folder: Path) -> str:
    """Rows returned per dataset, and how many of them are not the person's."""
    loaded = declaration(sample)
    environ = {sample.env: url}
    got: dict[str, list[dict[str, Any]]] = {}
    try:
        if REACH is not None:
            got = _found(loaded, person, environ, folder)
        else:
            got = _read(loaded, person, environ, folder)
    except Exception as exc:  # the figure is what happened, whatever it was
        return f"stopped ({_failure(exc)})"
    return _summary(sample, person, got)


def _found(
    loaded: Loaded, person: Person, environ: dict[str, str], folder: Path
) -> dict[str, list[dict[str, Any]]]:
    registry = importlib.import_module("pledge.connectors.registry")
    decl = loaded.declaration
    conns = {
        name: registry.connect(name, system, environ=environ, folder=folder)
        for name, system in decl.systems.items()
    }
    try:
        reached = REACH.find(
            decl, _identities(person.asks_with), conns, choices=_choices_of(person)
        )
    finally:
        for conn in conns.values():
            conn.close()
    got = {k: list(v) for k, v in reached.rows.items()}
    for dotted, rows in reached.context.items():
        got.setdefault(dotted, []).extend(rows)
    return got


def _choices_of(person: Person) -> Any:
    if not person.choices:
        return None
    return REACH.Choices(
        ignore=frozenset(_identities(person.ignore)),
        same_person=frozenset(_identities(person.same_person)),
    )


def _read(
    loaded: Loaded, person: Person, environ: dict[str, str], folder: Path
) -> dict[str, list[dict[str, Any]]]:
    access_module = importlib.import_module("pledge.dsr.access")
    plan = PLAN.make_plan(loaded.declaration, _identities(person.asks_with))
    got: dict[str, list[dict[str, Any]]] = {}

    def write(dotted: str, batches: Iterable[list[dict[str, Any]]]) -> int:
        rows = got.setdefault(dotted, [])
        for batch in batches:
            rows.extend(batch)
        return len(rows)

    with access_module.open_systems(
        loaded.declaration, plan, environ=environ, folder=folder
    ) as systems:
        access_module.read_subject(plan, systems, write)
    return got


def _summary(sample: Sample, person: Person, got: dict[str, list[dict[str, Any]]]) -> str:
    total = theirs = 0
    parts = []
    for dotted, rows in got.items():
        if not rows:
            continue
        table = dotted.partition(".")[2]
        keys = [c.name for c in sample.metadata.tables[table].primary_key.columns]
        mine = set(person.rows.get(table, set())) | set(person.context.get(table, set()))
        values = [row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys) for row in rows]
        total += len(rows)
        theirs += sum(1 for v in values if v in mine)
        parts.append(f"{table} {len(rows)}")
    listed = f" ({', '.join(parts)})" if parts else ""
    if person.stops:
        return f"{total} rows{listed}; should have stopped"
    return f"{total} rows, {total - theirs} not theirs{listed}"


def erasure(sample: Sample, person: Person, url: str, folder: Path) -> str:
    """What erasure reported, and the rows it changed that were not the person's."""
    loaded = declaration(sample)
    erasure_module = importlib.import_module("pledge.dsr.erasure")
    settings = Settings(
        database_url=f"sqlite:///{folder / f'store-{uuid.uuid4().hex}.sqlite'}",
        hash_key=TEST_HASH_KEY,
        environ={sample.env: url},
    )
    upgrade(settings)
    store = make_engine(settings)
    before = snapshot(sample, url)
    try:
        extra = {"choices": _choices_of(person)} if person.choices else {}
        erasure_module.erase(
            loaded, _identities(person.asks_with), settings=settings, store=store, **extra
        )
        outcome = "complete"
    except Exception as exc:  # the figure is what happened, whatever it was
        outcome = _failure(exc)
    finally:
        store.dispose()
    changed = changes(before, snapshot(sample, url))
    counts = {"deleted": 0, "updated": 0}
    others: list[str] = []
    for table, diff in changed.items():
        mine = person.owned(table)
        wrong = []
        for kind in counts:
            keyed = [k[0] if len(k) == 1 else k for k in diff[kind]]
            counts[kind] += len(keyed)
            wrong += [f"{kind[0]}" for k in keyed if k not in mine]
        if wrong:
            tally = ", ".join(f"{n} {w}" for w, n in sorted(_tally(wrong).items()))
            others.append(f"{table}: {tally}")
    detail = f"; not theirs: {'; '.join(others)}" if others else "; all theirs"
    if not any(counts.values()):
        detail = ""
    return f"{outcome}; deleted {counts['deleted']}, updated {counts['updated']}{detail}"


def _tally(marks: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for mark in marks:
        out[mark] = out.get(mark, 0) + 1
    return out


def table(sample: Sample, people: list[Person], engine: str) -> list[str]:
    lines = [
        f"### {sample.name} on {engine}",
        "",
        "| person | asks with | access returned | erasure |",
        "| --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for person in people:
            if person.choices and REACH is None:
                continue  # the old code had no operator choices
            asks = ", ".join(f"{k} {v}" for k, v in person.asks_with)
            if person.choices:
                asks += " (" + _choices(person) + ")"
            with database(engine, folder) as url:
                build(sample, url)
                got = access(sample, person, url, folder)
            with database(engine, folder) as url:
                build(sample, url)
                erased = erasure(sample, person, url, folder)
            lines.append(f"| {person.label} | {asks} | {got} | {erased} |")
    return [*lines, ""]


def _choices(person: Person) -> str:
    said = [f"ignore {k} {v}" for k, v in person.ignore]
    said += [f"same person {k} {v}" for k, v in person.same_person]
    return "; ".join(said)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--engine", choices=["sqlite", *SERVERS], default="sqlite")
    args = parser.parse_args(argv)
    samples: list[tuple[Sample, list[Person]]] = [
        (SAKILA, sakila_people.PEOPLE),
        (CHINOOK, chinook_people.PEOPLE),
    ]
    print(f"<!-- {'reach runner' if REACH is not None else 'planner'} -->")
    for sample, people in samples:
        print("\n".join(table(sample, people, args.engine)))


if __name__ == "__main__":
    main()
