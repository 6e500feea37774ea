"""The statements a sweep runs, built without a connection so they can be read and tested.

A batch is chosen by keyset, never by OFFSET: each batch starts after the last key of the
one before, so a sweep reads the table once however many batches it takes. When the counted
column leads an index the batch walks that index (oldest first); otherwise it walks the
primary key and filters, which is still one pass. The change itself names the batch's keys
and repeats the eligibility test, so a row that became active again between the read and
the write is left alone.

A subject hold compares the held values with the column exactly as a request would find the
person's rows (:mod:`pledge.connectors.sql`): emails by ``fold``, every other identity byte
for byte, whatever the column's collation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from pledge.connectors import sql as identities
from pledge.rules.retention import Step

Order = Literal["column", "key"]
#: Where a batch ended: the counted column's value and the key of its last row.
Position = tuple[Any, Any]
#: What a NOT NULL text field becomes when anonymised (a NULL would be refused).
REDACTED = "redacted"
#: How each engine compares identities before the engine itself is asked (see
#: :func:`pledge.retention.sweep.comparison`, which tells an ICU SQLite or an older MariaDB).
COMPARISONS = {
    "sqlite": identities.SQLITE,
    "postgresql": identities.POSTGRES,
    "mysql": identities.MYSQL,
}


class Unsweepable(ValueError):
    """The table cannot be swept as declared (no key, missing or mistyped column)."""


@dataclass(frozen=True)
class Target:
    """A reflected table and what the sweep needs to know about it."""

    table: sa.Table
    key: str
    order: Order
    #: The engine's dialect name: PostgreSQL gets its batch of keys as one array parameter.
    dialect: str = "sqlite"
    #: How the engine compares identity values, as its connector does; None: the usual one
    #: for ``dialect``.
    compare: identities.Dialect | None = None

    @property
    def pk(self) -> sa.Column[Any]:
        return self.table.c[self.key]

    @property
    def comparison(self) -> identities.Dialect:
        """The connectors' comparison of identity values on this engine."""
        if self.compare is not None:
            return self.compare
        if self.dialect not in COMPARISONS:
            raise Unsweepable(f"holds cannot be compared on a {self.dialect} database")
        return COMPARISONS[self.dialect]

    def among(self, keys: Sequence[Any]) -> ColumnElement[bool]:
        """The key is one of ``keys``.

        On PostgreSQL ``= ANY(array)`` sends one parameter instead of thousands, which
        otherwise costs more client time than the server spends deleting.
        """
        if self.dialect == "postgresql":
            array = sa.bindparam("keys", list(keys), type_=postgresql.ARRAY(self.pk.type))
            return self.pk == sa.any_(array)
        return self.pk.in_(keys)


def bind_moment(moment: datetime, column: sa.Column[Any]) -> Any:
    """The cut-off as the column stores it: a date, a UTC moment, or UTC wall time.

    Comparing a naive column with an aware value makes the server guess a zone; say it.
    """
    kind = column.type
    if isinstance(kind, sa.Date) and not isinstance(kind, sa.DateTime):
        return moment.astimezone(UTC).date()
    if isinstance(kind, sa.DateTime) and kind.timezone:
        return moment.astimezone(UTC)
    return moment.astimezone(UTC).replace(tzinfo=None)


def check_types(step: Step, target: Target) -> None:
    """Refuse a step whose columns do not exist or cannot hold what the step needs."""
    columns = target.table.c
    if step.column not in columns:
        raise Unsweepable(
            f"{step.where} has no column '{step.column}' (rule '{step.rule}' counts from it)"
        )
    kind = columns[step.column].type
    if not isinstance(kind, sa.Date | sa.DateTime):
        raise Unsweepable(
            f"{step.where}.{step.column} is {kind}, not a date or timestamp, so rule "
            f"'{step.rule}' cannot count from it"
        )
    for name in step.fields:
        if name not in columns:
            raise Unsweepable(
                f"{step.where} has no column '{name}' (rule '{step.rule}' anonymises it)"
            )
        column = columns[name]
        if not column.nullable and not isinstance(column.type, sa.String):
            raise Unsweepable(
                f"{step.where}.{name} is NOT NULL and not text, so rule '{step.rule}' "
                "cannot empty it"
            )
    for held in step.held:
        if held.column not in columns:
            raise Unsweepable(f"{step.where} has no column '{held.column}' (a hold needs it)")


def expired(step: Step, target: Target) -> ColumnElement[bool]:
    """Past the cut-off, and for anonymising, not yet anonymised."""
    column = target.table.c[step.column]
    clause: ColumnElement[bool] = column < bind_moment(step.cutoff, column)
    if step.action == "anonymise":
        clause = sa.and_(clause, pending(step, target))
    return clause


def pending(step: Step, target: Target) -> ColumnElement[bool]:
    """Some field still holds a value: anonymised rows stop matching, so reruns are no-ops."""
    tests: list[ColumnElement[bool]] = []
    for name in step.fields:
        column = target.table.c[name]
        if column.nullable:
            tests.append(column.is_not(None))
        else:
            tests.append(column != REDACTED)
    return sa.or_(*tests)


def not_held(step: Step, target: Target) -> ColumnElement[bool]:
    """Rows no subject hold reaches; a NULL identity column cannot belong to a held subject.

    Held values match as a request's would (emails by ``fold``, the rest byte for byte), and
    never through NULL: for a column that is not NULL each match is true or false.
    """
    tests = []
    for held in step.held:
        column = target.table.c[held.column]
        values: Sequence[Any] = held.values
        if not held.fold_case:
            values = [_as_column_value(value, column) for value in values]
        found = identities.conditions(
            target.comparison,
            values,
            fold_case=held.fold_case,
            text=isinstance(column.type, sa.String),
        )
        if found:
            reached = sa.or_(*(_matches(condition, column) for condition in found))
            tests.append(sa.or_(column.is_(None), sa.not_(reached)))
    return sa.and_(sa.true(), *tests)


class Applied(ColumnElement[Any]):
    """A connectors' template (:class:`pledge.connectors.sql.Condition`, ``{}`` the column)
    applied to a column, so a SQLAlchemy statement compares as the connectors do."""

    __visit_name__ = "pledge_applied"
    # The template and the column are all that the SQL depends on, so statements cache.
    _traverse_internals: list[tuple[str, InternalTraversal]] = [  # noqa: RUF012 (SQLAlchemy's)
        ("template", InternalTraversal.dp_string),
        ("column", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, template: str, column: ColumnElement[Any]) -> None:
        self.template = template
        self.column = column
        # Values are bound as plain text: a bind cast carrying the column's collation (as
        # PostgreSQL's driver writes it) would fight the collation the template chose.
        self.type = sa.String() if isinstance(column.type, sa.String) else column.type


@compiles(Applied)
def _applied(element: Applied, compiler: SQLCompiler, **kw: Any) -> str:
    template = element.template
    if compiler.dialect.paramstyle in ("format", "pyformat"):
        template = template.replace("%", "%%")  # the driver reads "%" as a marker
    return template.format(compiler.process(element.column, **kw))


def applied(template: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``template`` (``{}`` the column) around ``column``; the column itself for ``{}``."""
    return column if template == "{}" else Applied(template, column)


def _matches(condition: identities.Condition, column: sa.Column[Any]) -> ColumnElement[bool]:
    clause = applied(condition.left, column).in_(condition.values)
    if condition.also is None:
        return clause
    return sa.and_(clause, applied(condition.also, column).in_(condition.values))


def eligible(step: Step, target: Target) -> ColumnElement[bool]:
    """What the step may change now: expired and not held."""
    if not step.held:
        return expired(step, target)
    return sa.and_(expired(step, target), not_held(step, target))


def boundary(step: Step, target: Target, after: Position | None, size: int) -> sa.Select[Any]:
    """The position of the ``size``-th eligible row after ``after``; none when fewer remain.

    The batch is then "eligible rows after ``after`` up to this position": the engine walks
    ``size`` index entries to find it and returns one row, and the change itself is a range
    predicate, so no list of keys crosses the wire.
    """
    column, pk = target.table.c[step.column], target.pk
    ordered = (column, pk) if target.order == "column" else (pk,)
    return (
        sa.select(column, pk)
        .where(eligible(step, target), _after(step, target, after))
        .order_by(*ordered)
        .offset(size - 1)
        .limit(1)
    )


def batch(
    step: Step, target: Target, after: Position | None, upto: Position | None
) -> ColumnElement[bool]:
    """Eligible rows after ``after`` and up to ``upto`` (to the end when ``upto`` is None)."""
    clause = sa.and_(eligible(step, target), _after(step, target, after))
    if upto is None:
        return clause
    column, pk = target.table.c[step.column], target.pk
    value, key = upto
    if target.order == "column":
        # The plain "<=" lets the engine seek in the index; the OR settles ties.
        return sa.and_(clause, column <= value, sa.or_(column < value, pk <= key))
    return sa.and_(clause, pk <= key)


def _after(step: Step, target: Target, after: Position | None) -> ColumnElement[bool]:
    if after is None:
        return sa.true()
    column, pk = target.table.c[step.column], target.pk
    value, key = after
    if target.order == "column":
        return sa.and_(column >= value, sa.or_(column > value, pk > key))
    later: ColumnElement[bool] = pk > key
    return later


def delete_batch(target: Target, where: ColumnElement[bool]) -> sa.Delete:
    """Delete the batch; ``where`` repeats eligibility, so a row revived meanwhile stays."""
    return target.table.delete().where(where)


def anonymise_batch(step: Step, target: Target, where: ColumnElement[bool]) -> sa.Update:
    """Empty the step's fields in the batch: NULL, or a fixed word where NULL is refused."""
    values = {name: None if target.table.c[name].nullable else REDACTED for name in step.fields}
    return target.table.update().where(where).values(values)


def read_batch(
    target: Target, where: ColumnElement[bool], columns: Sequence[str]
) -> sa.Select[Any]:
    """The batch's rows as the archive will receive them."""
    chosen = [target.table.c[name] for name in columns]
    return sa.select(*chosen).where(where)


def present(target: Target, keys: Sequence[Any]) -> sa.Select[Any]:
    """Which of ``keys`` a table holds: how an archive copy is verified and not repeated."""
    return sa.select(target.pk).where(target.among(keys))


def summary(step: Step, target: Target) -> sa.Select[int, int, Any]:
    """Eligible rows, held-back rows and the oldest expired value, reading expired rows only."""
    column = target.table.c[step.column]
    free = not_held(step, target)
    # CASE rather than FILTER: MariaDB has no aggregate FILTER clause.
    return (
        sa.select(
            sa.func.count(sa.case((free, 1))),
            sa.func.count(sa.case((sa.not_(free), 1))),
            sa.func.min(column),
        )
        .select_from(target.table)
        .where(expired(step, target))
    )


def _as_column_value(value: str, column: sa.Column[Any]) -> Any:
    # Holds store identity values as text; an integer key must be compared as an integer.
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is int:
        try:
            return int(value)
        except ValueError:
            return value
    if python_type is date:
        return date.fromisoformat(value)
    return value
