"""Checks that need more than one part of the declaration: references between sections,
erasure strategies against keys, retention rules against the fields they name."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Protocol

from pledge.declaration.model import (
    Dataset,
    Marketing,
    Purpose,
    Recipient,
    RetentionRule,
    System,
    is_name,
)
from pledge.declaration.reach import resolve
from pledge.declaration.source import Path_, Problem, Source, describe

_ENV = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")
CONNECTION_SCHEMES = (
    "sqlite",
    "postgresql",
    "postgres",
    "postgresql+psycopg",
    "mysql",
    "mariadb",
    "mysql+pymysql",
    "duckdb",
)


class Report(Protocol):
    """Records one problem at a path of the declaration."""

    def __call__(self, path: Path_, message: str, severity: str = "error") -> None: ...


@dataclass
class Parts:
    """The parts of a declaration that validated, plus every name the file declares."""

    systems: dict[str, System]
    purposes: dict[str, Purpose]
    recipients: dict[str, Recipient]
    retention: dict[str, RetentionRule]
    marketing: Marketing | None
    names: dict[str, set[str]] = field(default_factory=dict)


def check(parts: Parts, source: Source) -> list[Problem]:
    """Every cross-reference problem in the declaration."""
    out: list[Problem] = []

    def report(path: Path_, message: str, severity: str = "error") -> None:
        where = describe(path)
        out.append(Problem(source.place(path), where, message, severity))

    for section in ("systems", "purposes", "recipients", "retention"):
        for name in parts.names.get(section, ()):
            if not is_name(str(name)):
                report(
                    (section, name),
                    f"'{name}' is not a usable name; use lower-case letters, "
                    "digits, '-' and '_', starting with a letter",
                )
    for system_name, system in parts.systems.items():
        _check_connection(system_name, system, report)
        for dataset_name, dataset in system.datasets.items():
            _check_dataset(system_name, dataset_name, dataset, parts, report)
    for name, purpose in parts.purposes.items():
        base: Path_ = ("purposes", name)
        _refs(
            purpose.recipients,
            parts.names["recipients"],
            (*base, "recipients"),
            "recipient",
            report,
        )
        _refs(
            purpose.retention,
            parts.names["retention"],
            (*base, "retention"),
            "retention rule",
            report,
        )
        _refs(purpose.datasets, parts.names["datasets"], (*base, "datasets"), "dataset", report)
    for issue in resolve(parts.systems).issues:
        report(issue.path, issue.message, issue.severity)
    for name, rule in parts.retention.items():
        _check_rule(name, rule, parts, report)
    if parts.marketing is not None:
        for key in ("channels", "streams"):
            values: list[str] = list(getattr(parts.marketing, key))
            for index, value in enumerate(values):
                if value in values[:index]:
                    report(("marketing", key, index), f"'{value}' is listed twice")
    return out


def _check_connection(name: str, system: System, report: Report) -> None:
    text = system.connection
    if text.startswith("env:"):
        if not _ENV.match(text):
            report(
                ("systems", name, "connection"),
                f"'{text}' is not a usable variable name; write env:NAME_OF_VARIABLE",
            )
        return
    scheme = text.split(":", 1)[0] if ":" in text else ""
    if scheme not in CONNECTION_SCHEMES:
        report(
            ("systems", name, "connection"),
            f"'{text}' is neither env:VARIABLE nor a URL Pledge can connect to "
            f"(schemes: {', '.join(CONNECTION_SCHEMES)})",
        )


def _check_dataset(
    system_name: str, dataset_name: str, dataset: Dataset, parts: Parts, report: Report
) -> None:
    base: Path_ = ("systems", system_name, "datasets", dataset_name)
    for field_name, spec in dataset.fields.items():
        here: Path_ = (*base, "fields", field_name)
        label = f"{system_name}.{dataset_name}.{field_name}"
        if spec.references is not None:
            target = _qualify(spec.references, system_name)
            if target is None:
                report(
                    (*here, "references"),
                    f"'{spec.references}' should name a field as dataset.field "
                    "or system.dataset.field",
                )
            elif target not in parts.names["fields"]:
                hint = _hint(target, parts.names["fields"])
                report(
                    (*here, "references"),
                    f"{label} refers to {target}, which is not declared{hint}",
                )
        if spec.reach is not None and spec.references is None:
            report(
                (*here, "reach"),
                f"{label} says how to reach rows through a reference (reach: {spec.reach}) but "
                "refers to nothing; add references: dataset.field or remove reach",
            )
        is_key = spec.primary_key or spec.references is not None
        if is_key and spec.erase not in (None, "keep"):
            kind = "primary key" if spec.primary_key else "reference to another table"
            report(
                (*here, "erase"),
                f"{label} is a {kind}; keys are never masked or nulled, because rows would "
                "lose their links. Delete the rows instead (dataset erase: delete) or "
                "remove this strategy",
            )
        if spec.file_root is not None:
            _check_file_root(label, here, spec.file_root, is_key, bool(spec.categories), report)
        if dataset.erase == "update" and spec.personal and not is_key and spec.erase is None:
            report(
                here,
                f"{label} holds personal data, and dataset {system_name}.{dataset_name} is "
                "erased by updating fields, but this field says nothing about erasure; "
                "add erase: nullify, mask, hash or keep",
            )
    if dataset.restriction_column is not None and dataset.restriction_column not in dataset.fields:
        hint = _hint(dataset.restriction_column, set(dataset.fields))
        report(
            (*base, "restriction_column"),
            f"restriction column '{dataset.restriction_column}' is not a field of "
            f"{system_name}.{dataset_name}{hint}",
        )


def _check_file_root(
    label: str, here: Path_, root: str, is_key: bool, categorised: bool, report: Report
) -> None:
    """A file field names a plain folder, is not a key, and says what the files hold."""
    if is_key:
        report(
            (*here, "file_root"),
            f"{label} is a key; a key cannot also name a file (put the path in its own column)",
        )
    if not root.strip() or "\x00" in root or root.startswith("env:") or "://" in root:
        report(
            (*here, "file_root"),
            f"file root '{root}' of {label} is not a plain folder path; write a folder "
            "relative to the declaration's folder, or an absolute one",
        )
    elif not (PurePath(root).is_absolute() or root.startswith("~")) and not _descends(root):
        report(
            (*here, "file_root"),
            f"file root '{root}' of {label} is not a folder of its own below the declaration's "
            "folder; files under a root that no row names are deleted, so it must not hold "
            "the declaration or the databases (write e.g. recordings, or an absolute path)",
        )
    if not categorised:
        report(
            (*here, "categories"),
            f"{label} names files (file_root) but says nothing of what they hold; "
            "add categories (e.g. [telecom.call_recording])",
        )


def _descends(relative: str) -> bool:
    """Whether a relative path names a folder strictly below where it starts."""
    depth = 0
    for part in PurePath(relative).parts:
        if part == "..":
            depth -= 1
            if depth < 0:
                return False
        elif part != ".":
            depth += 1
    return depth > 0


def _check_rule(name: str, rule: RetentionRule, parts: Parts, report: Report) -> None:
    base: Path_ = ("retention", name)
    dataset = _find(rule.dataset, parts)
    if dataset is None:
        if rule.dataset not in parts.names["datasets"]:
            hint = _hint(rule.dataset, parts.names["datasets"])
            report(
                (*base, "dataset"),
                f"retention rule '{name}' names dataset {rule.dataset}, which is not "
                f"declared{hint}",
            )
    else:
        fields = dataset.fields
        if rule.from_ not in fields:
            report(
                (*base, "from"),
                f"retention rule '{name}' counts from column '{rule.from_}', which is not a "
                f"field of {rule.dataset}{_hint(rule.from_, set(fields))}",
            )
        for index, column in enumerate(rule.anonymise):
            spec = fields.get(column)
            if spec is None:
                report(
                    (*base, "anonymise", index),
                    f"'{column}' is not a field of {rule.dataset}{_hint(column, set(fields))}",
                )
            elif spec.primary_key or spec.references is not None:
                report(
                    (*base, "anonymise", index),
                    f"'{column}' is a key of {rule.dataset}; keys are never anonymised",
                )
    if rule.then == "anonymise" and not rule.anonymise:
        report(
            (*base, "anonymise"),
            f"retention rule '{name}' anonymises but does not say which fields "
            "(anonymise: [field, ...])",
        )
    if rule.then != "anonymise" and rule.anonymise:
        report(
            (*base, "anonymise"),
            f"retention rule '{name}' lists fields to anonymise but its action is '{rule.then}'",
        )
    if rule.then == "archive" and rule.archive is None:
        report(
            (*base, "then"),
            f"retention rule '{name}' archives but does not say where to or for how long "
            "(archive: {to: system.dataset or parquet:folder, keep: 90 days})",
        )
    if rule.archive is not None:
        if rule.then != "archive":
            report(
                (*base, "archive"),
                f"retention rule '{name}' has archive settings but its action is '{rule.then}'",
            )
        target = rule.archive.to
        if not target.startswith("parquet:") and target not in parts.names["datasets"]:
            hint = _hint(target, parts.names["datasets"])
            report(
                (*base, "archive", "to"),
                f"archive destination {target} is neither a declared dataset nor "
                f"parquet:FOLDER{hint}",
            )
        elif dataset is not None:
            _check_archived_files(name, rule, dataset, _find(target, parts), report)
    if rule.forbids_earlier_erasure and rule.basis is None:
        report(
            (*base, "forbids_earlier_erasure"),
            f"retention rule '{name}' forbids earlier erasure but names no basis; say "
            "which (basis: legal-obligation, ...) so the exemption can be explained",
        )


def _check_archived_files(
    name: str, rule: RetentionRule, dataset: Dataset, archive: Dataset | None, report: Report
) -> None:
    """Archived rows keep naming their files: the archive must say so, with the same root,
    or the files would be nobody's (never deleted, or swept as orphans too early)."""
    assert rule.archive is not None
    for field_name, spec in dataset.fields.items():
        if spec.file_root is None:
            continue
        there = archive.fields.get(field_name) if archive is not None else None
        if there is None or there.file_root != spec.file_root:
            where = "a Parquet archive" if archive is None else rule.archive.to
            report(
                ("retention", name, "archive", "to"),
                f"retention rule '{name}' archives {rule.dataset}, whose field '{field_name}' "
                f"names files under {spec.file_root}, to {where}, which does not declare "
                f"{field_name} with file_root: {spec.file_root}; the files would be left "
                "behind. Declare it there, or delete the rows instead",
            )


def _find(dotted: str, parts: Parts) -> Dataset | None:
    system_name, _, dataset_name = dotted.partition(".")
    system = parts.systems.get(system_name)
    return system.datasets.get(dataset_name) if system is not None else None


def _qualify(reference: str, system_name: str) -> str | None:
    pieces = reference.split(".")
    if len(pieces) == 2:
        return f"{system_name}.{reference}"
    if len(pieces) == 3:
        return reference
    return None


def _refs(values: Iterable[str], known: set[str], path: Path_, kind: str, report: Report) -> None:
    for index, value in enumerate(values):
        if value not in known:
            report((*path, index), f"{kind} '{value}' is not declared{_hint(value, known)}")


def _hint(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""
