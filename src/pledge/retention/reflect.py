"""Reading a swept table's shape from its database."""

from __future__ import annotations

import warnings
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


def reflect(engine: Engine | Connection, name: str) -> tuple[sa.Table, list[dict[str, Any]]]:
    """The table and its indexes, as the database describes them.

    SQLAlchemy cannot reflect expression indexes on SQLite (such as ``lower(email)``, which
    requests use) and warns about each; sweeps only look at plain column indexes, so that
    warning says nothing a person needs to act on.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Skipped unsupported reflection of expression-based index"
        )
        table = sa.Table(name, sa.MetaData(), autoload_with=engine)
        indexes = sa.inspect(engine).get_indexes(name)
    return table, [dict(index) for index in indexes]
