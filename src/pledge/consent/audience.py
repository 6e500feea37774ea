"""A campaign audience file (CSV or Parquet) read into DuckDB, its columns checked first.

An audience has an ``id`` column and the identifier the channel needs (``email`` for email,
``phone`` for calls and SMS; post campaigns are matched on ``id``). Any other column is refused
unless the caller names it to be carried through unchanged: a typo such as ``emial`` would
otherwise leave every row without an address and be reported as a thousand invalid rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

#: The columns Pledge reads, and which one each channel's identifier comes from.
KNOWN = ("id", "email", "phone")
IDENTIFIER_FOR = {
    "email": "email",
    "sms": "phone",
    "phone": "phone",
    "post": "id",
    "social": "email",
    "online-advertising": "email",
}
#: The identity kind each audience column is hashed as.
KIND_OF = {"email": "email", "phone": "phone", "id": "customer_id"}


class AudienceError(Exception):
    """The audience file cannot be screened as it is; the message says what to change."""


@dataclass(frozen=True)
class Audience:
    """An audience file, its format, and the columns it has."""

    path: Path
    format: str
    columns: tuple[str, ...]

    def reader(self) -> str:
        """SQL that reads the file with every column as text (ids keep their leading zeros)."""
        quoted = str(self.path).replace("'", "''")
        if self.format == "parquet":
            return f"read_parquet('{quoted}')"
        return f"read_csv('{quoted}', header = true, all_varchar = true)"


def open_audience(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    channel: str,
    carry: Iterable[str] = (),
) -> Audience:
    """Check the audience file's columns for ``channel``; a clear error naming any problem."""
    if not path.is_file():
        raise AudienceError(f"audience file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise AudienceError(f"audience file {path} must be .csv or .parquet, not {suffix!r}")
    audience = Audience(path, suffix[1:], ())
    try:
        described = connection.execute(f"DESCRIBE SELECT * FROM {audience.reader()}").fetchall()
    except duckdb.Error as exc:
        raise AudienceError(f"cannot read audience file {path}: {exc}") from None
    columns = tuple(str(row[0]) for row in described)
    _check_columns(path, columns, channel, set(carry))
    return Audience(path, audience.format, columns)


def _check_columns(path: Path, columns: tuple[str, ...], channel: str, carry: set[str]) -> None:
    needed = {"id", IDENTIFIER_FOR[channel]}
    missing = sorted(needed - set(columns))
    unknown = sorted(set(columns) - set(KNOWN) - carry)
    problems = []
    if missing:
        problems.append(
            f"missing column(s) {', '.join(missing)} (a {channel} campaign needs "
            f"{' and '.join(sorted(needed))})"
        )
    if unknown:
        problems.append(
            f"unknown column(s) {', '.join(unknown)} (Pledge reads {', '.join(KNOWN)}; "
            f"to carry others through to the output, pass --carry {','.join(unknown)})"
        )
    if "_row" in columns or "reason" in columns:
        problems.append("columns named _row and reason are reserved for Pledge's output")
    if problems:
        raise AudienceError(f"audience file {path}: " + "; ".join(problems))
