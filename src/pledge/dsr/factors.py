"""Second factors: the values (account number, date of birth, postcode) the person's rows
hold, read through the connectors the way an access request finds them.

A field holds a factor when the declaration says so: the ``account_number`` or ``postcode``
identity, or the data category below. Values are returned as stored; comparing them is
:mod:`pledge.rules.verification`'s job (normalised, keyed, constant-time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pledge.connectors import Connector
from pledge.declaration import Declaration, Loaded
from pledge.declaration.model import DataField
from pledge.dsr.subject import opened
from pledge.settings import Settings
from pledge.subjects.identity import Identity
from pledge.subjects.locate import locate
from pledge.subjects.plan import Step, make_plan

#: Second factor → (identity kind, data category) a declared field holding it carries.
MARKERS: dict[str, tuple[str | None, str]] = {
    "account-number": ("account_number", "user.account.account_number"),
    "date-of-birth": (None, "user.demographic.date_of_birth"),
    "postcode": ("postcode", "user.contact.address.postal_code"),
}


class FactorUndeclared(LookupError):
    """The declaration names no field holding a second factor it asks for."""


def holds(spec: DataField, factor: str) -> bool:
    """Whether a declared field holds ``factor``."""
    kind, category = MARKERS[factor]
    return (kind is not None and spec.identity == kind) or category in spec.categories


def fields_holding(declaration: Declaration, factor: str) -> dict[str, list[str]]:
    """``system.dataset`` → the fields that hold ``factor``."""
    out: dict[str, list[str]] = {}
    for system_name, system in declaration.systems.items():
        for dataset_name, dataset in system.datasets.items():
            names = [n for n, spec in dataset.fields.items() if holds(spec, factor)]
            if names:
                out[f"{system_name}.{dataset_name}"] = names
    if not out:
        kind, category = MARKERS[factor]
        marker = f"identity {kind} or category {category}" if kind else f"category {category}"
        raise FactorUndeclared(
            f"the declaration asks for the {factor.replace('-', ' ')} but names no field "
            f"holding it ({marker}); declare one, or verify by hand with --how"
        )
    return out


def known_values(
    loaded: Loaded,
    anchor: Sequence[Identity],
    factors: Sequence[str],
    *,
    settings: Settings,
    connectors: Mapping[str, Connector] | None = None,
) -> dict[str, list[object]]:
    """Factor → every value the rows found from ``anchor`` hold (empty when none found)."""
    wanted = {factor: fields_holding(loaded.declaration, factor) for factor in factors}
    plan = make_plan(loaded.declaration, anchor)

    def columns(step: Step) -> list[str]:
        return [f for by_dataset in wanted.values() for f in by_dataset.get(step.dotted, [])]

    out: dict[str, list[object]] = {factor: [] for factor in factors}
    if not any(columns(s) for s in plan.steps):
        return out  # the person's rows, if any, hold none of the factors
    # Every system the plan reaches is opened: the chain to the factor may pass through them.
    systems = list(dict.fromkeys(s.system for s in plan.steps))
    with opened(loaded, settings, systems, connectors) as conns:
        found = locate(plan, conns, columns)
    for factor, by_dataset in wanted.items():
        for step_found in found.values():
            for name in by_dataset.get(step_found.step.dotted, []):
                out[factor].extend(r.get(name) for r in step_found.rows)
    return out
