"""Read a generated estate back through its own declaration, with real queries."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from pledge.connectors.urls import resolve
from pledge.declaration import Loaded, load_file


@contextmanager
def opened(
    folder: Path, environ: Mapping[str, str]
) -> Iterator[tuple[Loaded, dict[str, sa.Engine]]]:
    """The estate's declaration and one engine per system, resolved as Pledge resolves them."""
    loaded = load_file(folder / "pledge.yaml")
    engines: dict[str, sa.Engine] = {}
    try:
        for name, system in loaded.declaration.systems.items():
            url = resolve(name, system.connection, environ, loaded.folder)
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
            engines[name] = sa.create_engine(url)
        yield loaded, engines
    finally:
        for engine in engines.values():
            engine.dispose()


def counts(loaded: Loaded, engines: Mapping[str, sa.Engine]) -> dict[str, int]:
    """Rows per declared dataset, counted in the databases."""
    out: dict[str, int] = {}
    for name, system in loaded.declaration.systems.items():
        with engines[name].connect() as connection:
            for dataset in system.datasets:
                query = sa.text(f"SELECT COUNT(*) FROM {dataset}")
                out[dataset] = int(connection.execute(query).scalar_one())
    return out


def disagreements(loaded: Loaded, engines: Mapping[str, sa.Engine]) -> list[str]:
    """Declared datasets or fields missing from the databases, and columns not declared."""
    problems: list[str] = []
    for name, system in loaded.declaration.systems.items():
        inspector = sa.inspect(engines[name])
        tables = set(inspector.get_table_names())
        for dataset, spec in system.datasets.items():
            if dataset not in tables:
                problems.append(f"{name}.{dataset}: no such table")
                continue
            columns = {c["name"] for c in inspector.get_columns(dataset)}
            problems += [
                f"{name}.{dataset}.{f}: no such column" for f in set(spec.fields) - columns
            ]
            problems += [f"{name}.{dataset}.{c}: not declared" for c in columns - set(spec.fields)]
    return problems


def orphans(loaded: Loaded, engines: Mapping[str, sa.Engine]) -> dict[str, int]:
    """For every declared reference, how many distinct values point at nothing."""
    out: dict[str, int] = {}
    for name, system in loaded.declaration.systems.items():
        for dataset, spec in system.datasets.items():
            for field, column in spec.fields.items():
                if column.references is None:
                    continue
                parts = column.references.split(".")
                target_system = parts[0] if len(parts) == 3 else name
                target_table, target_column = parts[-2], parts[-1]
                source = f"SELECT DISTINCT {field} FROM {dataset} WHERE {field} IS NOT NULL"
                target = f"SELECT {target_column} FROM {target_table}"
                with engines[name].connect() as connection:
                    wanted = {row[0] for row in connection.execute(sa.text(source))}
                with engines[target_system].connect() as connection:
                    present = {row[0] for row in connection.execute(sa.text(target))}
                out[f"{name}.{dataset}.{field}"] = len(wanted - present)
    return out


def rows_of(engine: sa.Engine, table: str, order: str) -> list[tuple[object, ...]]:
    """Every row of a table in a stable order, for comparing estates."""
    with engine.connect() as connection:
        result = connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY {order}"))
        return [tuple(row) for row in result]
