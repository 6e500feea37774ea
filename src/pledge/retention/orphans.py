"""Files under a declared root that no row names any more.

A sweep unlinks a file only after the batch that released it commits, so a crash in
between leaves the file with no row: an orphan. ``pledge retention check`` lists them per
root; a run of a rule that deletes rows of a dataset with file fields removes them. A root
may be shared by several fields, so a file is an orphan only when no row of any field with
that root names it, and nothing is removed when one of those tables cannot be read. Files
younger than :data:`GRACE` are left alone: an application may write the file just before
inserting its row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge import files
from pledge.declaration import Declaration
from pledge.retention.reflect import reflect

#: A system name to its engine (as :data:`pledge.retention.service.Connect`).
Connect = Callable[[str], Engine]
#: Orphans modified more recently than this are not removed (their row may be on its way).
GRACE = timedelta(days=1)


@dataclass(frozen=True)
class Root:
    """A folder some fields name files under, and those fields as system.dataset.field."""

    path: Path
    fields: tuple[tuple[str, str, str], ...]

    @property
    def datasets(self) -> list[str]:
        return sorted({f"{system}.{dataset}" for system, dataset, _ in self.fields})


def roots(declaration: Declaration, folder: Path) -> list[Root]:
    """Every declared file root, with all the fields that name files under it."""
    found: dict[Path, list[tuple[str, str, str]]] = {}
    for system_name, system in declaration.systems.items():
        for dataset_name, dataset in system.datasets.items():
            for name, root in files.file_fields(dataset).items():
                path = files.root_of(root, folder)
                found.setdefault(path, []).append((system_name, dataset_name, name))
    return [Root(path, tuple(fields)) for path, fields in found.items()]


def roots_of(declaration: Declaration, folder: Path, dotted: str) -> list[Root]:
    """The roots that fields of dataset ``dotted`` name files under."""
    system, _, dataset = dotted.partition(".")
    return [
        r for r in roots(declaration, folder) if any(f[:2] == (system, dataset) for f in r.fields)
    ]


def named(root: Root, connect: Connect) -> set[Path]:
    """The files under ``root`` some row names; raises when a table cannot be read."""
    out: set[Path] = set()
    for system, dataset, column in root.fields:
        engine = connect(system)
        table, _ = reflect(engine, dataset)
        query = sa.select(table.c[column]).where(table.c[column].is_not(None))
        with engine.connect() as connection:
            for value in connection.execute(query).scalars():
                try:
                    out.add(files.inside(root.path, value))
                except files.OutsideRoot:
                    continue
    return out


class UnsafeRoot(ValueError):
    """A root that holds the declaration's own folder: its other files are not orphans."""


def orphans(root: Root, connect: Connect, folder: Path) -> list[Path]:
    """Files under ``root`` that no row names; refused for a root holding ``folder``."""
    if folder.resolve().is_relative_to(root.path):
        raise UnsafeRoot(
            f"{root.path} holds the declaration's folder, so files no row names are not "
            "looked for there; give the files a folder of their own"
        )
    keep = named(root, connect)
    return [path for path in files.under(root.path) if path not in keep]


def remove(paths: Iterable[Path], now: datetime) -> tuple[int, list[str]]:
    """Remove orphans older than the grace; (removed, problems)."""
    before = (now - GRACE).timestamp()
    removed, problems = 0, []
    for path in paths:
        try:
            if path.stat().st_mtime >= before:
                continue
            if files.remove(path):
                removed += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(f"cannot remove orphan {path}: {exc.strerror or exc}")
    return removed, problems
