"""``pledge retention check``: where the declaration's promises and the data disagree.

Three kinds of finding: a dataset holding personal data that no rule covers (the notice
promises nothing for it); a rule the data cannot satisfy (missing or mistyped column, no key,
unreachable system), named with its dataset; and rows older than a rule promises, past a
grace that allows for a daily sweep (overdue). A fourth: files under a declared file root that
no row names any more (orphans, left by a crash between a sweep's commit and its unlinks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from pledge.declaration import Declaration
from pledge.retention import orphans
from pledge.retention.service import Connect, prepare, reason
from pledge.retention.sql import Unsweepable
from pledge.rules.retention import PARQUET, Hold, overdue_before, steps


@dataclass(frozen=True)
class Finding:
    """One disagreement between the declaration and the data."""

    kind: str  # "uncovered", "overdue", "refused", "orphans"
    where: str
    message: str


def uncovered(declaration: Declaration) -> list[str]:
    """Datasets holding personal data that no rule expires (archives count as covered)."""
    rules = declaration.retention.values()
    covered = {rule.dataset for rule in rules}
    covered |= {rule.archive.to for rule in rules if rule.archive is not None}
    # A Parquet archive folder declared as a duckdb:///FOLDER system (so requests can read
    # it) is covered by the rule that archives into that folder.
    folders = {
        rule.archive.to.removeprefix(PARQUET).strip("/")
        for rule in rules
        if rule.archive is not None and rule.archive.to.startswith(PARQUET)
    }
    return [
        f"{system_name}.{dataset_name}"
        for system_name, system in declaration.systems.items()
        for dataset_name, dataset in system.datasets.items()
        if f"{system_name}.{dataset_name}" not in covered
        and system.connection.removeprefix("duckdb:///").strip("/") not in folders
        and any(spec.personal for spec in dataset.fields.values())
    ]


def check(
    declaration: Declaration,
    connect: Connect,
    now: datetime,
    holds: Iterable[Hold] = (),
    *,
    folder: Path = Path(),
) -> list[Finding]:
    """Every finding, uncovered datasets first, then per rule phase in declaration order."""
    findings = [
        Finding("uncovered", where, f"{where} holds personal data but no retention rule covers it")
        for where in uncovered(declaration)
    ]
    for step in steps(declaration, now, holds):
        try:
            count = prepare(declaration, step, connect, folder).overdue(overdue_before(step))
        except (Unsweepable, SQLAlchemyError) as exc:
            findings.append(Finding("refused", step.where, f"rule '{step.rule}': {reason(exc)}"))
            continue
        if count and not step.blocked:
            findings.append(
                Finding(
                    "overdue",
                    step.where,
                    f"rule '{step.rule}': {count} row(s) of {step.where} are older than "
                    f"promised ({step.keep}, by {step.column}); run `pledge retention run`",
                )
            )
    findings += orphan_findings(declaration, connect, folder)
    return findings


def orphan_findings(declaration: Declaration, connect: Connect, folder: Path) -> list[Finding]:
    """Per file root: files no row names, or why the root could not be checked."""
    out = []
    for root in orphans.roots(declaration, folder):
        where = ", ".join(root.datasets)
        try:
            lost = orphans.orphans(root, connect, folder)
        except (SQLAlchemyError, OSError, orphans.UnsafeRoot) as exc:
            out.append(
                Finding("refused", where, f"files under {root.path} not checked: {reason(exc)}")
            )
            continue
        if lost:
            out.append(
                Finding(
                    "orphans",
                    where,
                    f"{len(lost)} file(s) under {root.path} are named by no row of {where}; "
                    "a run of a rule that deletes from it removes them",
                )
            )
    return out
