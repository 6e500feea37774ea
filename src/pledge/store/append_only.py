"""Tables whose history must never be rewritten: the audit log and the ledgers.

``append_only(Model, "the consent ledger")`` makes every session refuse to change or delete
its rows, whether one object at a time or in bulk. Migrations may add database triggers too,
for SQL that bypasses the ORM.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, Session


class AppendOnly(Exception):
    """Something tried to change or delete a row of an append-only table."""


_GUARDED: dict[type[Any], str] = {}


def append_only(model: type[Any], label: str) -> None:
    """Refuse UPDATE and DELETE on ``model``'s rows in every session; ``label`` names it."""
    if model in _GUARDED:
        return
    _GUARDED[model] = label

    def refuse(_mapper: Any, _connection: Any, row: Any) -> None:
        raise AppendOnly(
            f"{label} is append-only: row {getattr(row, 'id', '?')} cannot be changed or "
            "deleted; record a new entry instead"
        )

    sa.event.listen(model, "before_update", refuse)
    sa.event.listen(model, "before_delete", refuse)


def _refuse_bulk(context: ORMExecuteState) -> None:
    if not (context.is_update or context.is_delete):
        return
    mapper = context.bind_mapper
    label = _GUARDED.get(mapper.class_) if mapper is not None else None
    if label is not None:
        raise AppendOnly(f"{label} is append-only: no UPDATE or DELETE on it")


# One listener for every session and every guarded table: no code path may rewrite history.
sa.event.listen(Session, "do_orm_execute", _refuse_bulk)
