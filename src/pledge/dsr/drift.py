"""A declaration that no longer matches the database: a declared table or column is gone.

Checked when a system is opened for a request, before anything is read or written, so the
request fails naming ``system.dataset.field`` instead of answering without that column (an
access answer that silently leaves out a field is wrong; an erasure that skips one is worse).
Column lists come from the connector, which caches them per server.
"""

from __future__ import annotations

from collections.abc import Iterable

from pledge.connectors import Connector
from pledge.connectors.base import QueryFailed
from pledge.declaration import Declaration


class DeclarationDrift(QueryFailed):
    """A declared table or column is not in the system (a query that cannot run as declared)."""


def check_datasets(
    declaration: Declaration, system: str, connector: Connector, datasets: Iterable[str]
) -> None:
    """Raise :class:`DeclarationDrift` naming the first declared table or column not found."""
    for dataset in dict.fromkeys(datasets):
        have = {name.lower() for name in connector.columns(dataset)}
        if not have:
            raise DeclarationDrift(
                system,
                f"{system}.{dataset} is declared but system '{system}' has no table "
                f"'{dataset}'; the declaration no longer matches the database",
            )
        declared = declaration.systems[system].datasets[dataset].fields
        for name in declared:
            if name.lower() not in have:
                raise DeclarationDrift(
                    system,
                    f"{system}.{dataset}.{name} is declared but table '{dataset}' has no "
                    f"column '{name}'; the declaration no longer matches the database "
                    "(update pledge.yaml or the table)",
                )
