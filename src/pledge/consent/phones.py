"""Phone numbers to E.164 inside DuckDB, agreeing with :func:`pledge.subjects.identity.normalise`.

Normalising ten million numbers one by one in Python takes minutes. Most numbers in a UK
audience or register are written as ``0XXXXXXXXXX``, ``+44XXXXXXXXXX`` or ``0044XXXXXXXXXX``
(with spaces, dashes, dots or brackets); those are normalised in SQL. Everything else (other
countries, "+44 (0)...", short numbers) goes through the Python normaliser once per distinct
value, so the SQL only has to be right for the layouts it takes, and a test checks it is.
"""

from __future__ import annotations

import duckdb

from pledge.subjects.identity import IdentityInvalid, normalise

#: Separators ``phonenumbers`` ignores inside a number.
_SEPARATORS = r"[\s\-().]"
#: A UK national significant number of 9 or 10 digits behind 0, +44 or 0044: the lengths
#: ``phonenumbers`` calls possible for the UK, so every such number is kept.
_UK = r"^(?:0|\+44|0044)([1-9][0-9]{8,9})$"


def e164_sql(column: str) -> str:
    """SQL for ``column`` in E.164 when it is a UK number in a common layout, else NULL."""
    cleaned = f"regexp_replace({column}, '{_SEPARATORS}', '', 'g')"
    general = f"nullif('+44' || regexp_extract({cleaned}, '{_UK}', 1), '+44')"
    # Removing separators costs several times the match; most numbers (and every line of a
    # TPS file) are bare national digits, so those skip it.
    bare = f"regexp_full_match({column}, '0[1-9][0-9]{{8,9}}')"
    return f"(CASE WHEN {bare} THEN '+44' || substr({column}, 2) ELSE {general} END)"


def normalise_phone(value: str) -> str | None:
    """The number in E.164 by the shared identity rules; None when it is not a phone number."""
    try:
        return normalise("phone", value)
    except IdentityInvalid:
        return None


def fill_leftovers(
    connection: duckdb.DuckDBPyConnection, table: str, raw: str, target: str
) -> None:
    """Normalise in Python the numbers that ``e164_sql`` left NULL, once per distinct value.

    ``table.target`` already holds ``e164_sql(raw)``; what stays NULL is not a phone number.
    """
    leftovers = connection.execute(
        f"SELECT DISTINCT {raw} FROM {table} "
        f"WHERE {target} IS NULL AND {raw} IS NOT NULL AND trim({raw}) <> ''"
    ).fetchall()
    found = [(value, normalise_phone(value)) for (value,) in leftovers]
    pairs = [(value, e164) for value, e164 in found if e164 is not None]
    if not pairs:
        return
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE _phone_fallback AS "
        "SELECT unnest($1) AS raw, unnest($2) AS e164",
        [[value for value, _ in pairs], [e164 for _, e164 in pairs]],
    )
    connection.execute(
        f"UPDATE {table} SET {target} = f.e164 FROM _phone_fallback f "
        f"WHERE {table}.{raw} = f.raw AND {table}.{target} IS NULL"
    )
    connection.execute("DROP TABLE _phone_fallback")
