"""SQL text for the statements a request needs, per dialect: pure, testable without a server.

Every statement matches rows by one key column against a batch of values with an IN-list,
so one statement serves a whole batch of subjects (never one statement per row). Long
batches are split into chunks so no statement passes a driver's or engine's limit on
parameters (SQLite's default is 32,766; PostgreSQL's wire protocol allows 65,535).

Identities are compared one way on every engine, whatever the collation of the column:
emails by :func:`fold` (case does not count, accents do), every other identity byte for
byte. Each dialect says how its engine does that; tests/connectors/test_fold.py holds all four
engines to the same answers.

>>> [s.text for s in select(DUCKDB, "customer", ["id", "email"], "email", ["a@x.uk"])]
['SELECT "id", "email" FROM "customer" WHERE "email" IN (?)']
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Values per IN-list. Small enough for every engine, large enough that a batch of 1,000
#: queued requests costs two statements per table.
CHUNK = 500


#: The SQLite function that applies :func:`fold` itself; :class:`SQLiteConnector` registers it.
FOLD_FUNCTION = "pledge_fold"
#: Most spellings one probe may be sent as on an engine that lowers only A-Z (SQLite); a probe
#: with more (many accented or non-Latin letters) is compared with FOLD_FUNCTION instead.
SPELLINGS = 64


@dataclass(frozen=True)
class Dialect:
    """How one engine and its driver spell identifiers, parameters and comparisons.

    ``folded`` and ``exact`` are templates in which ``{}`` stands for the quoted key column.
    """

    name: str
    quote: str
    placeholder: str
    #: The key column as :func:`fold` would have it, whatever its collation.
    folded: str = "lower({})"
    #: ``folded`` lowers A-Z only, so each probe is sent as every spelling that lowers to it
    #: (:func:`spellings`); the column's other letters are compared as stored.
    spells: bool = False
    #: A text key column compared byte for byte, whatever its collation.
    exact: str = "{}"
    #: ``exact`` applies to key columns of every type (SQLite), not only to text columns.
    exact_any_type: bool = False
    #: ``exact`` cannot use an index on the column, so a plain ``IN`` on the column comes first
    #: to find the candidates by index (bytes that are equal are equal in every collation).
    exact_after_plain: bool = False

    @property
    def percent_is_special(self) -> bool:
        # Drivers with "%s" placeholders read "%" in the text as a format marker.
        return self.placeholder == "%s"


#: SQLite's lower() folds A-Z only (a build with the ICU extension is caught when the file is
#: opened, see SQLiteConnector). İ (U+0130) and the Kelvin sign (U+212A) are the only other
#: letters whose fold is ASCII, so replacing them first leaves one spelling per ASCII letter.
SQLITE = Dialect(
    "sqlite",
    '"',
    "?",
    folded="lower(replace(replace({}, char(304), 'i'), char(8490), 'k'))",
    spells=True,
    exact="{} COLLATE BINARY",
    exact_any_type=True,
)
#: ICU's root locale lowers every letter by Unicode's rules whatever the database's own
#: collation and ctype, and differs from fold() in two places only, both removed first:
#: İ becomes "i" plus a combining dot, and Σ becomes ς at the end of a word.
POSTGRES = Dialect(
    "postgresql",
    '"',
    "%s",
    folded=(
        "lower(replace(replace({} COLLATE \"C\", chr(304), 'i'), chr(931), chr(963)) "
        'COLLATE "und-x-icu")'
    ),
    exact='CAST({} AS text) COLLATE "C"',
    exact_after_plain=True,
)
#: MariaDB 10.10+: LOWER() under a UCA 14.0 collation lowers every letter as fold() does;
#: comparing as binary makes accents and trailing spaces count whatever the column's collation.
MYSQL = Dialect(
    "mysql",
    "`",
    "%s",
    folded="CAST(LOWER(CONVERT({} USING utf8mb4) COLLATE utf8mb4_uca1400_as_cs) AS BINARY)",
    exact="CAST(CONVERT({} USING utf8mb4) AS BINARY)",
    exact_after_plain=True,
)
#: MySQL, and MariaDB before 10.10, have no UCA 14.0 collation: Unicode 5.2's case pairs are
#: the newest they know (letters added since, Cherokee or Georgian capitals, are not folded).
MYSQL_UNICODE_520 = dataclasses.replace(
    MYSQL,
    folded="CAST(LOWER(CONVERT({} USING utf8mb4) COLLATE utf8mb4_unicode_520_ci) AS BINARY)",
)
#: A SQLite built with the ICU extension, whose lower() lowers by ICU's rules: fold() itself
#: is called for each row (no index can serve that).
SQLITE_ICU = dataclasses.replace(SQLITE, folded=FOLD_FUNCTION + "({})", spells=False)
#: DuckDB's lower() lowers each code point by Unicode's simple mapping, as fold() does.
DUCKDB = Dialect("duckdb", '"', "?")

#: Asked of a SQLite connection: its answer tells :func:`sqlite_dialect` which lower() it has.
SQLITE_LOWER = "SELECT lower(char(201))"
#: Asked of a MySQL or MariaDB connection: its answer tells :func:`mysql_dialect` the server.
MYSQL_VERSION = "SELECT VERSION()"


def sqlite_dialect(lowered: str) -> Dialect:
    """The dialect of a SQLite whose answer to :data:`SQLITE_LOWER` is ``lowered``: SQLITE
    when lower() lowers A-Z only (É stays É), SQLITE_ICU when the ICU extension replaced it.

    >>> sqlite_dialect("\u00c9") is SQLITE, sqlite_dialect("\u00e9") is SQLITE_ICU
    (True, True)
    """
    return SQLITE if lowered == "\u00c9" else SQLITE_ICU


def mysql_dialect(server: str) -> Dialect:
    """The dialect of a MySQL or MariaDB server whose version is ``server``: MYSQL with the
    UCA 14.0 collations (MariaDB 10.10 and later), MYSQL_UNICODE_520 without.

    >>> mysql_dialect("5.5.5-10.11.19-MariaDB-0+deb12u1") is MYSQL
    True
    >>> mysql_dialect("10.6.4-MariaDB") is MYSQL_UNICODE_520, mysql_dialect("8.0.36").name
    (True, 'mysql')
    """
    found = re.match(r"(?:5\.5\.5-)?(\d+)\.(\d+)", server)
    if found is None or "mariadb" not in server.lower():
        return MYSQL_UNICODE_520
    new = (int(found.group(1)), int(found.group(2))) >= (10, 10)
    return MYSQL if new else MYSQL_UNICODE_520


def fold(text: str) -> str:
    """``text`` as identities are compared without regard to case: each code point lowered by
    Unicode's simple lowercase mapping, with no context and no language rules.

    Accents stay (é is not e), ß stays ß (ẞ becomes ß; ß never becomes ss), İ becomes i,
    Σ always becomes σ (never ς), and I is i whatever the language. Every engine can do
    exactly this (see the dialects); full case folding (ß to ss) or Python's str.lower()
    (ς at the end of a word, İ to i plus a combining dot) no engine's lower() does.

    >>> fold("JOSÉ.GARCÍA@Example.UK"), fold("ΟΔΟΣ"), fold("STRAẞE"), fold("İ")
    ('josé.garcía@example.uk', 'οδοσ', 'straße', 'i')
    """  # noqa: RUF002 (Greek letters on purpose)
    # str.lower() is the full mapping in context; these two are where it is not the simple one.
    return text.replace("\u0130", "i").replace("\u03a3", "\u03c3").lower()


def fold_value(value: Any) -> Any:
    """:func:`fold` for text; other values (numbers read from a column) as they are."""
    return fold(value) if isinstance(value, str) else value


@functools.cache
def _uppers() -> dict[str, tuple[str, ...]]:
    """Each folded character → the other characters that fold to it (É for é, K and K for k)."""
    found: dict[str, list[str]] = {}
    for point in range(0x110000):
        char = chr(point)
        folded = fold(char)
        if folded != char and len(folded) == 1:
            found.setdefault(folded, []).append(char)
    return {char: tuple(others) for char, others in found.items()}


def spellings(probe: str, limit: int = SPELLINGS) -> list[str] | None:
    """Every value that SQLite's ``folded`` expression can give for a stored value that folds
    to ``probe`` (``probe`` already folded); None when there are more than ``limit``.

    That expression lowers only A-Z (İ and K become i and k first), so a stored "JOSÉ@X.UK"
    gives "josÉ@x.uk": each non-ASCII letter of the probe may be stored in any of its cases.
    A stored value matches exactly when its expression is one of these spellings.

    >>> spellings("josé@x.uk")
    ['josé@x.uk', 'josÉ@x.uk']
    """
    uppers = _uppers()
    choices: list[tuple[str, ...]] = []
    count = 1
    for char in probe:
        options = (char,) if char.isascii() else (char, *uppers.get(char, ()))
        count *= len(options)
        if count > limit:
            return None
        choices.append(options)
    return ["".join(parts) for parts in itertools.product(*choices)]


@dataclass(frozen=True)
class Statement:
    """One SQL statement and its parameters, ready for ``cursor.execute(text, params)``."""

    text: str
    params: tuple[Any, ...]
    #: Whether its row count is the write's count (an update split into several passes over
    #: the same rows counts only its first pass).
    counts: bool = True


def folded_index(dialect: Dialect, table: str, column: str, name: str) -> str | None:
    """The CREATE INDEX that lets ``fold_case`` lookups on ``table.column`` use an index;
    None on engines where none can (MariaDB has no index on an expression, DuckDB files none).

    >>> print(folded_index(SQLITE, "customer", "email", "ix_email_fold"))
    CREATE INDEX IF NOT EXISTS "ix_email_fold" ON "customer" (lower(replace(replace("email", char(304), 'i'), char(8490), 'k')))
    """  # noqa: E501
    if dialect.name not in ("sqlite", "postgresql") or FOLD_FUNCTION in dialect.folded:
        return None
    text = (
        f"CREATE INDEX IF NOT EXISTS {quote(dialect, name)} ON {quote(dialect, table)} "
        f"({dialect.folded.format(quote(dialect, column))})"
    )
    # The text is run as it is, not through a driver that reads "%" as a marker.
    return text.replace("%%", "%") if dialect.percent_is_special else text


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


@dataclass(frozen=True)
class Condition:
    """Part of "the key is one of these values": ``left`` IN ``values``, and when ``also`` is
    given, ``also`` IN the same values too. Both are templates in which ``{}`` stands for the
    key column (quoted, or an expression of a query builder), so that other builders of SQL
    (retention sweeps, through SQLAlchemy) compare exactly as the connectors do."""

    left: str
    values: tuple[Any, ...]
    also: str | None = None


def conditions(
    dialect: Dialect, values: Iterable[Any], *, fold_case: bool, text: bool
) -> list[Condition]:
    """The conditions that together match the rows whose key is one of ``values``: by
    :func:`fold` when ``fold_case``, else byte for byte when the column holds text (``text``).
    A row matches one of them at most; none are given when no value can match. Never
    chunked: :func:`_matching` splits them for statements with many values.

    For a key column that is not NULL each condition is true or false, never NULL (values are
    never NULL), so ``column IS NULL OR NOT (c1 OR c2 ...)`` reads "not one of these values".

    >>> conditions(SQLITE, ["José@X.uk"], fold_case=True, text=True)[0].values
    ('josé@x.uk', 'josÉ@x.uk')
    >>> conditions(MYSQL, ["AB12"], fold_case=False, text=True)
    [Condition(left='{}', values=('AB12',), also='CAST(CONVERT({} USING utf8mb4) AS BINARY)')]
    """
    found = tuple(distinct(values))
    if not found:
        return []
    if not fold_case:
        if not (text or dialect.exact_any_type) or dialect.exact == "{}":
            return [Condition("{}", found)]
        if dialect.exact_after_plain:
            return [Condition("{}", found, dialect.exact)]
        return [Condition(dialect.exact, found)]
    probes = distinct(fold_value(v) for v in found)
    if not dialect.spells:
        return [Condition(dialect.folded, tuple(probes))]
    spelt: list[Any] = []
    many: list[Any] = []
    for probe in probes:
        options = spellings(probe) if isinstance(probe, str) else [probe]
        if options is None:
            many.append(probe)
        else:
            spelt.extend(options)
    out = [Condition(dialect.folded, tuple(spelt))] if spelt else []
    if many:
        out.append(Condition(FOLD_FUNCTION + "({})", tuple(many)))  # cannot use an index; rare
    return out


def _matching(
    dialect: Dialect,
    key: str,
    values: Iterable[Any],
    *,
    fold_case: bool,
    text: bool,
    chunk: int,
) -> list[tuple[str, tuple[Any, ...]]]:
    """WHERE conditions (with their parameters) that together match the rows whose ``key`` is
    one of ``values``, chunked (see :func:`conditions`). Each row matches one condition at most."""
    column = quote(dialect, key)
    out: list[tuple[str, tuple[Any, ...]]] = []
    for condition in conditions(dialect, values, fold_case=fold_case, text=text):
        left = condition.left.format(column)
        for part in chunks(condition.values, chunk):
            marks = ", ".join([dialect.placeholder] * len(part))
            if condition.also is None:
                out.append((f"{left} IN ({marks})", tuple(part)))
            else:
                twice = condition.also.format(column)
                out.append((f"{left} IN ({marks}) AND {twice} IN ({marks})", tuple(part) * 2))
    return out


def select(
    dialect: Dialect,
    table: str,
    columns: Sequence[str],
    key: str,
    values: Iterable[Any],
    *,
    fold_case: bool = False,
    text: bool = False,
    chunk: int = CHUNK,
) -> list[Statement]:
    """SELECT ``columns`` of the rows whose ``key`` is one of ``values``, chunked.

    ``fold_case`` compares with :func:`fold` (emails keep the case people typed); otherwise a
    key column that holds text (``text``) is compared byte for byte, whatever its collation.
    """
    names = ", ".join(quote(dialect, c) for c in columns) if columns else "*"
    head = f"SELECT {names} FROM {quote(dialect, table)} WHERE "
    return [
        Statement(head + where, params)
        for where, params in _matching(
            dialect, key, values, fold_case=fold_case, text=text, chunk=chunk
        )
    ]


def delete(
    dialect: Dialect,
    table: str,
    key: str,
    values: Iterable[Any],
    *,
    fold_case: bool = False,
    text: bool = False,
    chunk: int = CHUNK,
) -> list[Statement]:
    """DELETE the rows whose ``key`` is one of ``values``, chunked."""
    head = f"DELETE FROM {quote(dialect, table)} WHERE "
    return [
        Statement(head + where, params)
        for where, params in _matching(
            dialect, key, values, fold_case=fold_case, text=text, chunk=chunk
        )
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
    text: bool = False,
    chunk: int = CHUNK,
) -> list[Statement]:
    """UPDATE the rows whose ``key`` is one of ``values``, chunked.

    ``set_to`` gives columns one value for all those rows (None nullifies, a mask string masks).
    ``replace`` maps, per column, each old value to its new one (keyed hashes are computed
    outside the database, which has no HMAC); values not in the map are left as they are.
    Each map is sent in chunks too, as separate statements, to stay under parameter limits.
    """
    wheres = _matching(dialect, key, values, fold_case=fold_case, text=text, chunk=chunk)
    out: list[Statement] = []
    target = f"UPDATE {quote(dialect, table)} SET "
    p = dialect.placeholder
    if set_to:
        assignments = ", ".join(f"{quote(dialect, c)} = {p}" for c in set_to)
        fixed = tuple(set_to.values())
        for where, params in wheres:
            out.append(Statement(f"{target}{assignments} WHERE {where}", fixed + params))
    first = not out
    for column, mapping in (replace or {}).items():
        pairs = [(old, new) for old, new in mapping.items() if old is not None]
        name = quote(dialect, column)
        # Half the chunk for the map: each entry costs two parameters.
        for pair_part in chunks(pairs, max(1, chunk // 2)):
            whens = " ".join(f"WHEN {p} THEN {p}" for _ in pair_part)
            case = f"{name} = CASE {name} {whens} ELSE {name} END"
            case_params = tuple(x for pair in pair_part for x in pair)
            for where, params in wheres:
                out.append(
                    Statement(f"{target}{case} WHERE {where}", case_params + params, counts=first)
                )
            first = False
    return out


_TEXT_COLUMN = re.compile(r"(char|text|clob|string)", re.I)


def is_text(column_type: str) -> bool:
    """Whether a column of ``column_type`` (as introspection names it) holds text, so that its
    comparisons follow a collation (uuid, numbers and dates compare by value).

    >>> is_text("character varying(36)"), is_text("citext"), is_text("uuid"), is_text("int")
    (True, True, False, False)
    """
    return bool(_TEXT_COLUMN.search(column_type))


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
