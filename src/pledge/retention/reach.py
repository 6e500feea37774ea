"""Where a held subject's rows are: the request planner's answer, used to keep them.

A hold names a person by one identity ("customer_id=1042"), but their call records may only
name their account. The same plan and search that answer an access request find every row
of theirs, dataset by dataset; a sweep then skips those rows by key. If the search cannot
run (a system is down) or must stop (the held value is shared with someone else), every
dataset the plan reaches is marked unknown and the sweep holds it whole rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from pledge.connectors import ConnectorError
from pledge.declaration import Declaration
from pledge.rules.retention import Hold
from pledge.subjects.identity import Identity
from pledge.subjects.locate import Found, locate
from pledge.subjects.plan import make_plan
from pledge.subjects.reach import ReachStopped
from pledge.subjects.systems import AccessFailed, open_systems


def resolve(
    declaration: Declaration,
    holds: Iterable[Hold],
    *,
    environ: Mapping[str, str],
    folder: Path,
) -> list[Hold]:
    """The holds, each subject hold with the keys of its subject's rows per dataset."""
    return [
        hold
        if hold.identity is None or hold.value is None
        else replace(hold, reach=_reach(declaration, hold, environ, folder), resolved=True)
        for hold in holds
    ]


def _reach(
    declaration: Declaration, hold: Hold, environ: Mapping[str, str], folder: Path
) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
    assert hold.identity is not None and hold.value is not None
    plan = make_plan(declaration, [Identity(hold.identity, hold.value)])
    try:
        with open_systems(declaration, plan, environ=environ, folder=folder) as connectors:
            found = locate(plan, connectors)
    except (AccessFailed, ConnectorError, ReachStopped):
        # Down, or the held value is shared with someone else: hold every dataset whole
        # rather than guess which rows are the held person's.
        return tuple((step.dotted, None) for step in plan.steps)
    return tuple((step.dotted, _keys(found[step.number])) for step in plan.steps)


def _keys(found: Found) -> tuple[str, ...] | None:
    key = found.step.primary_key
    if key is None:
        return None
    # Text, like every held value; the sweep converts back to the key column's type.
    return tuple(str(row[key]) for row in found.rows if row.get(key) is not None)
