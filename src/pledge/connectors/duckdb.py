"""A folder of Parquet and CSV files, one file per dataset, queried with DuckDB.

``duckdb:///exports/network`` holds ``cdr.parquet`` (dataset ``cdr``) or ``cdr.csv``. Reads go
through a view over ``read_parquet``/``read_csv``, so DuckDB streams the file and pushes the
key filter down; nothing is loaded up front.

Files cannot be updated in place, so :meth:`DuckDBConnector.execute` rewrites them:

1. each touched file is loaded into a scratch in-memory DuckDB table of the same name;
2. the UPDATE/DELETE statements run there, in one DuckDB transaction;
3. every table is written to a temporary file beside its original (same format; for CSV the
   sniffed delimiter and quote), and only when all are written is each moved over its
   original with ``os.replace``, which is atomic on one filesystem.

A failure in steps 1-3 leaves every original untouched. The moves in the last step are
atomic one by one, not as a set: a crash between two of them leaves some files rewritten.
CSV columns are read as text (``all_varchar``) so that rewriting keeps other people's values
exactly as written (leading zeros in phone numbers, date formats) instead of re-typing them.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from pathlib import Path

import duckdb

from pledge.connectors import sql
from pledge.connectors.base import (
    QueryFailed,
    Row,
    SQLConnector,
    SystemUnavailable,
    Write,
    statements,
)

FORMATS = (".parquet", ".csv")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def reader(path: Path) -> str:
    """The DuckDB table function that reads ``path``."""
    if path.suffix == ".parquet":
        return f"read_parquet({_literal(str(path))})"
    return f"read_csv({_literal(str(path))}, header = true, all_varchar = true)"


class DuckDBConnector(SQLConnector):
    """A folder of Parquet/CSV files; ``url`` is ``duckdb:////absolute/folder``."""

    dialect = sql.DUCKDB

    def __init__(self, system: str, url: str) -> None:
        super().__init__(system)
        self.folder = Path(url.removeprefix("duckdb:///"))
        if not self.folder.is_dir():
            raise SystemUnavailable(
                system, f"system '{system}': the data folder {self.folder} does not exist"
            )
        self._db = duckdb.connect(":memory:")
        self._views: set[str] = set()

    def file(self, table: str) -> Path | None:
        """The file that holds ``table``; None when there is none."""
        candidates = (self.folder / f"{table}{suffix}" for suffix in FORMATS)
        found = [path for path in candidates if path.is_file()]
        if len(found) > 1:
            raise QueryFailed(
                self.system,
                f"system '{self.system}': dataset '{table}' has both {found[0].name} and "
                f"{found[1].name}; keep one",
            )
        return found[0] if found else None

    def _view(self, table: str) -> bool:
        if table not in self._views:
            path = self.file(table)
            if path is None:
                return False
            name = sql.quote(self.dialect, table)
            self._db.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {reader(path)}")
            self._views.add(table)
        return True

    def _stream(self, statement: sql.Statement, batch_size: int) -> Generator[list[Row]]:
        try:
            cursor = self._db.cursor()
            result = cursor.execute(statement.text, list(statement.params))
            names = [d[0] for d in result.description or ()]
            while batch := result.fetchmany(batch_size):
                yield [dict(zip(names, row, strict=True)) for row in batch]
        except duckdb.Error as exc:
            raise self._failed(exc, "reading") from exc

    def _introspect(self, table: str) -> dict[str, str]:
        try:
            if not self._view(table):
                return {}
            rows = self._db.execute(f"DESCRIBE {sql.quote(self.dialect, table)}").fetchall()
        except duckdb.Error as exc:
            raise self._failed(exc, f"reading the file of dataset '{table}'") from exc
        return {str(row[0]): str(row[1]) for row in rows}

    def _transaction(self, batches: list[list[sql.Statement]]) -> list[int]:
        raise NotImplementedError("DuckDBConnector.execute rewrites files instead")

    def execute(self, writes: Sequence[Write]) -> list[int]:
        batches = [statements(self.dialect, w, self._key_type(w.table, w.key)) for w in writes]
        files = {t: self.file(t) for t in dict.fromkeys(w.table for w in writes)}
        scratch = duckdb.connect(":memory:")
        pending: list[tuple[Path, Path]] = []
        try:
            for table, path in files.items():
                assert path is not None  # _key_type refused tables without a file
                name = sql.quote(self.dialect, table)
                scratch.execute(f"CREATE TABLE {name} AS SELECT * FROM {reader(path)}")
            counts = []
            for batch in batches:
                total = 0
                for statement in batch:
                    row = scratch.execute(statement.text, list(statement.params)).fetchone()
                    total += int(row[0]) if row and statement.counts else 0
                counts.append(total)
            for table, path in files.items():
                assert path is not None
                temporary = path.with_name(f".{path.name}.pledge-tmp")
                pending.append((temporary, path))
                options = self._copy_options(path)
                scratch.execute(
                    f"COPY {sql.quote(self.dialect, table)} TO {_literal(str(temporary))} "
                    f"({options})"
                )
                os.chmod(temporary, path.stat().st_mode)
            for temporary, path in pending:
                os.replace(temporary, path)
            pending = []
        except duckdb.Error as exc:
            raise self._failed(exc, "writing (no file was changed)") from exc
        finally:
            for temporary, _ in pending:
                temporary.unlink(missing_ok=True)
            scratch.close()
        return counts

    def _copy_options(self, path: Path) -> str:
        if path.suffix == ".parquet":
            return "FORMAT parquet"
        sniffed = self._db.execute(
            f"SELECT Delimiter, Quote FROM sniff_csv({_literal(str(path))})"
        ).fetchone()
        delimiter, quote = sniffed if sniffed else (",", '"')
        quote = quote if quote and len(quote) == 1 else '"'
        return f"FORMAT csv, HEADER true, DELIMITER {_literal(delimiter)}, QUOTE {_literal(quote)}"

    def close(self) -> None:
        self._db.close()
