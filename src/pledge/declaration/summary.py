"""A short count of what a declaration describes, for ``pledge check``."""

from __future__ import annotations

from dataclasses import dataclass

from pledge.declaration.model import Declaration


@dataclass(frozen=True)
class Summary:
    systems: int
    datasets: int
    personal_fields: int
    purposes: int
    recipients: int
    retention_rules: int

    def lines(self) -> list[str]:
        """One line per count, aligned, for people."""
        rows = [
            ("systems", self.systems),
            ("datasets", self.datasets),
            ("personal fields", self.personal_fields),
            ("purposes", self.purposes),
            ("recipients", self.recipients),
            ("retention rules", self.retention_rules),
        ]
        return [f"  {label:<16} {count:>5}" for label, count in rows]


def summarise(declaration: Declaration) -> Summary:
    """Count systems, datasets, personal fields, purposes, recipients and retention rules."""
    datasets = [d for s in declaration.systems.values() for d in s.datasets.values()]
    personal = sum(1 for d in datasets for f in d.fields.values() if f.personal)
    return Summary(
        systems=len(declaration.systems),
        datasets=len(datasets),
        personal_fields=personal,
        purposes=len(declaration.purposes),
        recipients=len(declaration.recipients),
        retention_rules=len(declaration.retention),
    )
