"""SQL text for the statements a request needs, per dialect: pure, testable without a server.

Every statement matches rows by one key column against a batch of values with an IN-list,
so one statement serves a whole batch of subjects (never one statement per row). Long
batches are split into chunks so no statement passes a driver's or engine's limit on
parameters (SQLite's default is 32,766; PostgreSQL's wire protocol allows 65,535).

>>> [s.text for s in select(SQLITE, "customer", ["id", "email"], "email", ["a@x.uk"])]
['SELECT "id", "email" FROM "customer" WHERE "email" IN (?)']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Values per IN-list. Small enough for every engine, large enough that a batch of 1,000
#: queued requests costs two statements per table.
CHUNK = 500


@dataclass(frozen=True)
class Dialect:
    """How one engine and its driver spell identifiers and parameters."""

    name: str
    quote: str
    placeholder: str
    #: Collation already compares text case-insensitively, so lower() would only cost an index.
    folds_case: bool = False

    @property
    def percent_is_special(self) -> bool:
        # Drivers with "%s" placeholders read "%" in the text as a format marker.
        return self.placeholder == "%s"


SQLITE = Dialect("sqlite", '"', "?")
POSTGRES = Dialect("postgresql", '"', "%s")
MYSQL = Dialect("mysql", "`", "%s", folds_case=True)
DUCKDB = Dialect("duckdb", '"', "?")


@dataclass(frozen=True)
class Statement:
    """One SQL statement and its parameters, ready for ``cursor.execute(text, params)``."""

    text: str
    params: tuple[Any, ...]
    #: Whether its row count is the write's count (an update split into several passes over
    #: the same rows counts only its first pass).
    counts: bool = True


def quote(dialect: Dialect, name: str) -> str:
    """Quote an identifier, whatever characters it holds.

    >>> quote(MYSQL, "odd`name")
    '`odd``name`'
    """
    if not name or "\x00" in name:
        raise ValueError(f"{name!r} cannot be used as a table or column name")
    q = dialect.quote
    text = q + name.replace(q, q + q) + q
    return text.replace("%", "%%") if dialect.percent_is_special else text


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """Split ``values`` into lists of at most ``size``."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def distinct(values: Iterable[Any]) -> list[Any]:
    """Values once each, in first-seen order, without NULLs (NULL never matches IN)."""
    return list(dict.fromkeys(v for v in values if v is not None))


def _where(dialect: Dialect, key: str, count: int, fold_case: bool) -> str:
    column = quote(dialect, key)
    if fold_case and not dialect.folds_case:
        column = f"lower({column})"
    marks = ", ".join([dialect.placeholder] * count)
    return f"{column} IN ({marks})"


def _keys(values: Iterable[Any], fold_case: bool) -> list[Any]:
    found = distinct(values)
    return distinct(v.lower() if isinstance(v, str) else v for v in found) if fold_case else found


def select(
    dialect: Dialect,
    table: str,
    columns: Sequence[str],
    key: str,
    values: Iterable[Any],
    *,
    fold_case: bool = False,
    chunk: int = CHUNK,
) -> list[Statement]:
    """SELECT ``columns`` of the rows whose ``key`` is one of ``values``, chunked.

    ``fold_case`` compares text case-insensitively (stored emails keep the case people typed).
    """
    names = ", ".join(quote(dialect, c) for c in columns) if columns else "*"
    head = f"SELECT {names} FROM {quote(dialect, table)} WHERE "
    return [
        Statement(head + _where(dialect, key, len(part), fold_case), tuple(part))
        for part in chunks(_keys(values, fold_case), chunk)
    ]


def delete(
    dialect: Dialect,
    table: str,
    key: str,
    values: Iterable[Any],
    *,
    fold_case: bool = False,
    chunk: int = CHUNK,
) -> list[Statement]:
    """DELETE the rows whose ``key`` is one of ``values``, chunked."""
    head = f"DELETE FROM {quote(dialect, table)} WHERE "
    return [
        Statement(head + _where(dialect, key, len(part), fold_case), tuple(part))
        for part in chunks(_keys(values, fold_case), chunk)
    ]


def update(
    dialect: Dialect,
    table: str,
    key: str,
    values: Iterable[Any],
    *,
    set_to: Mapping[str, Any] | None = None,
    replace: Mapping[str, Mapping[Any, Any]] | None = None,
    fold_case: bool = False,
    chunk: int = CHUNK,
) -> list[Statement]:
    """UPDATE the rows whose ``key`` is one of ``values``, chunked.

    ``set_to`` gives columns one value for all those rows (None nullifies, a mask string masks).
    ``replace`` maps, per column, each old value to its new one (keyed hashes are computed
    outside the database, which has no HMAC); values not in the map are left as they are.
    Each map is sent in chunks too, as separate statements, to stay under parameter limits.
    """
    keys = _keys(values, fold_case)
    out: list[Statement] = []
    target = f"UPDATE {quote(dialect, table)} SET "
    p = dialect.placeholder
    if set_to:
        assignments = ", ".join(f"{quote(dialect, c)} = {p}" for c in set_to)
        fixed = tuple(set_to.values())
        for part in chunks(keys, chunk):
            where = _where(dialect, key, len(part), fold_case)
            out.append(Statement(f"{target}{assignments} WHERE {where}", fixed + tuple(part)))
    first = not out
    for column, mapping in (replace or {}).items():
        pairs = [(old, new) for old, new in mapping.items() if old is not None]
        name = quote(dialect, column)
        # Half the chunk for the map: each entry costs two parameters.
        for pair_part in chunks(pairs, max(1, chunk // 2)):
            whens = " ".join(f"WHEN {p} THEN {p}" for _ in pair_part)
            case = f"{name} = CASE {name} {whens} ELSE {name} END"
            case_params = tuple(x for pair in pair_part for x in pair)
            for part in chunks(keys, chunk):
                where = _where(dialect, key, len(part), fold_case)
                params = case_params + tuple(part)
                out.append(Statement(f"{target}{case} WHERE {where}", params, counts=first))
            first = False
    return out


_INTEGER = re.compile(
    r"\b(u?(tiny|small|medium|big|huge)?int(eger)?|int[248]|(big)?serial)\b", re.I
)
_TEXT = re.compile(r"(char|text|string|clob|varchar|uuid)", re.I)
_DIGITS = re.compile(r"^[+-]?\d+$")


def coerce(values: Iterable[Any], column_type: str) -> list[Any]:
    """Make key values comparable with a column of ``column_type`` (as introspection names it).

    Identities arrive as text and keys read from another system may be integers; PostgreSQL
    and DuckDB refuse to compare text with integer. Text that is not a whole number cannot
    equal any value of an integer column, so it is dropped rather than sent.

    >>> coerce(["12", " 7", "C-9", 12], "INTEGER"), coerce([12], "varchar(20)")
    ([12, 7], ['12'])
    """
    out: list[Any] = []
    if _INTEGER.search(column_type):
        for value in values:
            if not isinstance(value, str):
                out.append(value)
            elif _DIGITS.match(value.strip()):
                out.append(int(value.strip()))
    elif _TEXT.search(column_type):
        out = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in values]
    else:
        out = list(values)
    return distinct(out)
