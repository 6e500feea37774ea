"""Opening the systems a plan reads: all of them before anything is read, closed after.

Shared by every capability that runs a plan (requests, retention's holds), so that a system
that is down fails the work at once, with the system named, before a partial answer exists.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from pledge.connectors.base import Connector, ConnectorError
from pledge.connectors.registry import connect
from pledge.declaration.model import Declaration
from pledge.subjects.plan import Plan


class AccessFailed(Exception):
    """The request could not be answered; the message names the system and what went wrong."""

    def __init__(self, message: str, system: str | None = None) -> None:
        super().__init__(message)
        self.system = system


@contextlib.contextmanager
def open_systems(
    declaration: Declaration,
    plan: Plan,
    *,
    environ: Mapping[str, str],
    folder: Path,
    reuse: Mapping[str, Connector] | None = None,
) -> Iterator[dict[str, Connector]]:
    """Every system the plan reads, opened before anything is read, closed afterwards.

    Opening all of them first means a system that is down fails the request at once, with
    the system named, before a partial answer exists. ``reuse`` holds connectors a long-lived
    caller (a service, a batch of requests) keeps open; those are used and left open.
    """
    opened: dict[str, Connector] = {}
    servers: dict[str, Connector] = {}  # systems on one database share its connection
    kept = dict(reuse or {})
    try:
        for name in dict.fromkeys(step.system for step in plan.steps):
            if name in kept:
                continue
            try:
                opened[name] = connect(
                    name,
                    declaration.systems[name],
                    environ=environ,
                    folder=folder,
                    servers=servers,
                )
            except ConnectorError as exc:
                raise AccessFailed(
                    f"system '{name}' could not be reached, so the request was not answered: {exc}",
                    name,
                ) from exc
        yield {**kept, **opened}
    finally:
        for connector in opened.values():
            with contextlib.suppress(Exception):
                connector.close()
