"""Erasure exemptions (Art. 17(3)): rows a retention rule obliges the company to keep.

A retention rule with ``forbids_earlier_erasure`` (invoices for six years under the Companies
Act, call records under a retention notice) keeps a row until its period has run out, even
when the person asks for erasure. Pure: the caller reads the rows, these functions decide.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pledge.declaration.duration import Duration
from pledge.declaration.model import Declaration


@dataclass(frozen=True)
class Exemption:
    """One retention rule that can keep rows of one dataset back from erasure."""

    rule: str
    system: str
    dataset: str
    column: str
    keep: Duration
    counted: str
    basis: str
    legal_reference: str | None = None
    description: str | None = None

    @property
    def reason(self) -> str:
        """Why the rows are kept, in words a DPO can pass on to the person.

        >>> Exemption("invoices-6-years", "billing", "invoice", "issued_on",
        ...     Duration(6, "years"), "age", "legal-obligation", "Companies Act 2006 s.388").reason
        'kept 6 years from issued_on (legal-obligation: Companies Act 2006 s.388)'
        """
        ground = self.basis + (f": {self.legal_reference}" if self.legal_reference else "")
        return f"kept {self.keep} from {self.column} ({ground})"

    def cutoff(self, now: datetime) -> datetime:
        """Rows dated after this moment are still inside their keeping period."""
        return _before(self.keep, now)

    def keeps(self, value: Any, now: datetime) -> bool:
        """Whether a row whose ``column`` holds ``value`` must still be kept at ``now``.

        A missing date keeps the row: for an event rule the period has not started yet, and
        for an age rule nobody can show the obligation has ended, so the legal duty wins.
        """
        moment = as_moment(value)
        return moment is None or moment > self.cutoff(now)


@functools.lru_cache(maxsize=256)
def _before(keep: Duration, now: datetime) -> datetime:
    # Asked once per row of an erasure (20,000 call records: 20,000 times) with one ``now``.
    return keep.before(now)


def exemptions_for(declaration: Declaration, system: str, dataset: str) -> list[Exemption]:
    """The rules that forbid early erasure of ``system.dataset``, in declaration order."""
    found: list[Exemption] = []
    for name, rule in declaration.retention.items():
        if not rule.forbids_earlier_erasure or rule.dataset != f"{system}.{dataset}":
            continue
        found.append(
            Exemption(
                rule=name,
                system=system,
                dataset=dataset,
                column=rule.from_,
                keep=rule.keep,
                counted=rule.counted,
                basis=rule.basis or "legal-obligation",
                legal_reference=rule.legal_reference,
                description=rule.description,
            )
        )
    return found


def keeping(
    exemptions: Sequence[Exemption], row: Mapping[str, Any], now: datetime
) -> Exemption | None:
    """The first rule that keeps ``row`` at ``now``, or None when the row may be erased."""
    for exemption in exemptions:
        if exemption.keeps(row.get(exemption.column), now):
            return exemption
    return None


def as_moment(value: Any) -> datetime | None:
    """A stored date or timestamp as an aware UTC moment; None when there is none.

    Engines hand dates back differently (SQLite as text, MariaDB naive); naive values are
    read as UTC, which is how Pledge's connectors store them.

    >>> as_moment("2020-03-01")
    datetime.datetime(2020, 3, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not a date or timestamp") from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise ValueError(f"{value!r} is not a date or timestamp")
