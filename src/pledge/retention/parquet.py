"""Parquet archives: ``archive: {to: parquet:FOLDER}`` keeps rows in FOLDER/<dataset>.parquet.

One file per dataset, so the folder can be declared as a ``duckdb:///FOLDER`` system and
access requests find archived rows through the DuckDB connector until they expire. Files are
never edited in place: each change writes a new file beside the old one with DuckDB and moves
it over with ``os.replace`` (atomic on one filesystem), so a crash leaves the old file or the
new one, never half of either. The folder is made readable by its owner only (0700/0600):
an archive is kept for a legal reason, not for everyday use.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from pledge.connectors import sql as identities
from pledge.retention.sql import bind_moment
from pledge.rules.retention import ARCHIVED_AT, Step

PREFIX = "parquet:"


def _duck_type(kind: sa.types.TypeEngine[Any]) -> str:
    # Pick the DuckDB type that keeps the source value exactly; text is the safe fallback.
    if isinstance(kind, sa.Boolean):
        return "BOOLEAN"
    if isinstance(kind, sa.Integer):
        return "BIGINT"
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return f"DECIMAL({kind.precision or 18}, {kind.scale or 0})"
    if isinstance(kind, sa.Float):
        return "DOUBLE"
    if isinstance(kind, sa.DateTime):
        return "TIMESTAMPTZ" if kind.timezone else "TIMESTAMP"
    if isinstance(kind, sa.Date):
        return "DATE"
    if isinstance(kind, sa.LargeBinary):
        return "BLOB"
    return "VARCHAR"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _matches(condition: identities.Condition, text: str) -> str:
    """The condition about the column (``text``) with its values written in."""
    listed = ", ".join(_literal(value) for value in condition.values)
    clause = f"{condition.left.format(text)} IN ({listed})"
    if condition.also is not None:
        clause += f" AND {condition.also.format(text)} IN ({listed})"
    return clause


@dataclass(frozen=True)
class ParquetArchive:
    """The archive file of one dataset."""

    folder: Path
    dataset: str

    @classmethod
    def at(cls, target: str, dataset: str, base: Path) -> ParquetArchive:
        """The archive named by ``parquet:FOLDER`` (relative to the declaration's folder)."""
        return cls((base / target.removeprefix(PREFIX)).resolve(), dataset)

    @property
    def path(self) -> Path:
        return self.folder / f"{self.dataset}.parquet"

    def add(
        self, table: sa.Table, rows: Sequence[dict[str, Any]], key: str, stamp: datetime
    ) -> None:
        """Append ``rows`` (those whose key is not archived yet), stamped with ``archived_at``."""
        columns = [(c.name, _duck_type(c.type)) for c in table.columns if c.name != ARCHIVED_AT]
        columns.append((ARCHIVED_AT, "TIMESTAMP"))
        stamp_value = bind_moment(stamp, sa.Column(ARCHIVED_AT, sa.DateTime()))
        values = [[row.get(name) for row in rows] for name, _ in columns[:-1]]
        values.append([stamp_value] * len(rows))
        with self._scratch() as duck:
            spec = ", ".join(f"{_quote(n)} {t}" for n, t in columns)
            duck.execute(f"CREATE TABLE incoming ({spec})")
            unnest = ", ".join(f"unnest(${i + 1}::{t}[])" for i, (_, t) in enumerate(columns))
            duck.execute(f"INSERT INTO incoming SELECT {unnest}", values)
            if self.path.exists():
                duck.execute(
                    f"INSERT INTO archive BY NAME SELECT * FROM incoming WHERE {_quote(key)} "
                    f"NOT IN (SELECT {_quote(key)} FROM archive)"
                )
            else:
                duck.execute("CREATE TABLE archive AS SELECT * FROM incoming")
            self._write(duck)

    def keys(self, key: str, wanted: Sequence[Any]) -> set[Any]:
        """Which of ``wanted`` the archive holds: how a copy is verified before deleting."""
        if not self.path.exists():
            return set()
        with duckdb.connect() as duck:
            rows = duck.execute(
                f"SELECT {_quote(key)} FROM read_parquet(?) WHERE {_quote(key)} IN "
                f"(SELECT unnest(?))",
                [str(self.path), list(wanted)],
            ).fetchall()
        return {row[0] for row in rows}

    def summary(self, step: Step) -> tuple[int, int, Any]:
        """Eligible rows, held-back rows and the oldest expired value, like a table's plan."""
        if not self.path.exists():
            return 0, 0, None
        expired, free = self._predicates(step)
        with duckdb.connect() as duck:
            row = duck.execute(
                f"SELECT count(*) FILTER (WHERE {free}), count(*) FILTER (WHERE NOT ({free})), "
                f"min({_quote(step.column)}) FROM read_parquet(?) WHERE {expired}",
                [str(self.path)],
            ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1]), row[2]

    def expire(self, step: Step) -> int:
        """Remove archived rows past their period, except held ones; one atomic rewrite."""
        if not self.path.exists():
            return 0
        expired, free = self._predicates(step)
        with self._scratch() as duck:
            result = duck.execute(f"DELETE FROM archive WHERE {expired} AND {free}").fetchone()
            removed = int(result[0]) if result else 0
            if removed:
                self._write(duck)
        return removed

    def _predicates(self, step: Step) -> tuple[str, str]:
        cutoff = bind_moment(step.cutoff, sa.Column(step.column, sa.DateTime()))
        expired = f"{_quote(step.column)} < TIMESTAMP '{cutoff.isoformat(sep=' ')}'"
        free = ["TRUE"]
        for held in step.held:
            # Compared as text, as a request reads the archive (DuckDB connector) compares it.
            column = _quote(held.column)
            text = f"CAST({column} AS VARCHAR)"
            found = identities.conditions(
                identities.DUCKDB, held.values, fold_case=held.fold_case, text=True
            )
            reached = " OR ".join(_matches(condition, text) for condition in found)
            if reached:
                free.append(f"({column} IS NULL OR NOT ({reached}))")
        return expired, " AND ".join(free)

    def _scratch(self) -> duckdb.DuckDBPyConnection:
        duck = duckdb.connect()
        if self.path.exists():
            duck.execute("CREATE TABLE archive AS SELECT * FROM read_parquet(?)", [str(self.path)])
        return duck

    def _write(self, duck: duckdb.DuckDBPyConnection) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.folder, 0o700)
        fresh = self.path.with_suffix(".parquet.new")
        literal = "'" + str(fresh).replace("'", "''") + "'"
        duck.execute(f"COPY archive TO {literal} (FORMAT parquet)")
        os.chmod(fresh, 0o600)
        os.replace(fresh, self.path)
