"""Rectification (Art. 16): correct a declared field on the person's rows, checked first.

Each change names ``system.dataset.field`` and the new value. It is refused, before anything
is written, when the field is not declared, is a key (keys link rows; a wrong key is fixed by
support, not by a request), is not reached for this person, or the value does not fit the
column (not a number, not a date, too long, not an email). Each system is one transaction.
The audit log keeps the old and new values only as keyed hashes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.engine import Engine

from pledge.connectors import Connector, Update, Write
from pledge.declaration import Loaded
from pledge.dsr.strategies import keyed_hash, width_of
from pledge.dsr.subject import open_subject
from pledge.settings import Settings
from pledge.store.database import audit, session_factory
from pledge.subjects.identity import Identity, IdentityInvalid, normalise
from pledge.subjects.reach import Choices

#: Categories whose values are checked (and normalised) as identities of a kind.
KIND_OF: dict[str, str] = {"user.contact.email": "email", "user.contact.phone_number": "phone"}


class RectificationRefused(ValueError):
    """A change that cannot be made as asked; nothing was written."""


@dataclass(frozen=True)
class Rectified:
    """One field corrected on one dataset's rows for this person."""

    system: str
    dataset: str
    field: str
    rows: int


def rectify(
    loaded: Loaded,
    identities: Sequence[Identity],
    changes: Mapping[str, Any],
    *,
    settings: Settings,
    connectors: Mapping[str, Connector] | None = None,
    now: datetime | None = None,
    request_id: str | None = None,
    store: Engine | None = None,
    actor: str = "pledge",
    choices: Choices | None = None,
) -> list[Rectified]:
    """Set each ``"system.dataset.field": new value`` on the person's rows.

    >>> rectify(loaded, ids, {"crm.customer.full_name": "Ann Smyth"}, settings=s)  # doctest: +SKIP
    """
    now = now or datetime.now(UTC)
    targets = {_split(loaded, name): value for name, value in changes.items()}
    if not targets:
        raise RectificationRefused("no change was given")
    wanted = {(s, d): [f for (s2, d2, f) in targets if (s2, d2) == (s, d)] for s, d, _ in targets}
    with open_subject(
        loaded,
        identities,
        settings,
        connectors,
        store,
        lambda step: wanted.get((step.system, step.dataset), []),
        choices,
    ) as subject:
        writes: dict[str, list[Write]] = {}
        done: list[Rectified] = []
        trail: list[dict[str, Any]] = []
        for (system, dataset, name), raw in targets.items():
            step = subject.plan.find(f"{system}.{dataset}")
            found = subject.found.get(step.number) if step else None
            if step is None or found is None or not found.rows:
                raise RectificationRefused(
                    f"{system}.{dataset} holds nothing for this person, so {name} cannot be "
                    "corrected there"
                )
            spec = loaded.declaration.systems[system].datasets[dataset].fields[name]
            column_type = subject.connectors[system].columns(dataset).get(name, "")
            kind: str | None = spec.identity or next(
                (KIND_OF[c] for c in spec.categories if c in KIND_OF), None
            )
            value = _checked(f"{system}.{dataset}.{name}", raw, kind, column_type)
            if found.shared:
                raise RectificationRefused(
                    f"{system}.{dataset}: {len(found.shared)} of the person's rows there are "
                    "shared with other people (an address two customers share); correcting "
                    "them would change the others' data too. Correct them by hand; nothing was "
                    "changed"
                )
            pk = step.primary_key
            if pk is None and found.skipped:
                raise RectificationRefused(
                    f"{system}.{dataset} declares no single primary key, and the values that "
                    "find the person's rows there also find rows that are not theirs; declare "
                    "the key; nothing was changed"
                )
            key, values = (pk, [r[pk] for r in found.rows]) if pk else _by_match(found)
            writes.setdefault(system, []).append(Update(dataset, key, values, set_to={name: value}))
            done.append(Rectified(system, dataset, name, len(found.rows)))
            old = sorted(
                {
                    keyed_hash(settings.hash_key, r[name])
                    for r in found.rows
                    if r.get(name) is not None
                }
            )
            trail.append(
                {
                    "field": f"{system}.{dataset}.{name}",
                    "rows": len(found.rows),
                    "old": old,
                    "new": keyed_hash(settings.hash_key, value),
                }
            )
        for system, batch in writes.items():
            subject.connectors[system].execute(batch)  # one transaction per system
        with session_factory(subject.engine).begin() as session:
            audit(
                session,
                actor=actor,
                action="rectification",
                subject=request_id,
                details={"at": now.isoformat(), "changes": trail},
            )
    return done


def check_field(loaded: Loaded, name: str) -> tuple[str, str, str]:
    """``(system, dataset, field)`` for a declared field a rectification may change."""
    return _split(loaded, name)


def _split(loaded: Loaded, name: str) -> tuple[str, str, str]:
    parts = name.split(".")
    found = loaded.declaration.dataset(".".join(parts[:2])) if len(parts) == 3 else None
    if found is None or parts[2] not in found[2].fields:
        raise RectificationRefused(
            f"'{name}' is not a declared field; name it as system.dataset.field"
        )
    spec = found[2].fields[parts[2]]
    if spec.primary_key or spec.references is not None:
        raise RectificationRefused(
            f"{name} is a key that links rows; it is not changed by a rectification request"
        )
    return parts[0], parts[1], parts[2]


def _by_match(found: Any) -> tuple[str, list[Any]]:
    name, values = next(iter(found.queried.items()))
    return str(name), list(values)


def _checked(name: str, raw: Any, identity: str | None, column_type: str) -> Any:
    """The value as the column stores it, or a refusal that says what is wrong."""
    if raw is None:
        return None
    text = str(raw).strip()
    kind = column_type.lower()
    try:
        if identity is not None:
            return normalise(identity, text)
        if re.search(r"\bint|serial", kind):
            return int(text)
        if re.search(r"numeric|decimal|real|double|float", kind):
            return Decimal(text)
        if "timestamp" in kind or "datetime" in kind:
            return datetime.fromisoformat(text)
        if "date" in kind:
            return date.fromisoformat(text)
        if "bool" in kind:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
    except IdentityInvalid as exc:
        raise RectificationRefused(f"{name}: {exc}") from None
    except (ValueError, InvalidOperation):
        raise RectificationRefused(
            f"{name}: '{text}' does not fit the column, which holds {column_type}"
        ) from None
    limit = width_of(kind)
    if limit is not None and len(text) > limit:
        raise RectificationRefused(
            f"{name}: the new value has {len(text)} characters; the column holds at most {limit}"
        )
    return text
