"""An archived row stays findable by an access request until its archive period ends."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from pledge.connectors import Select, connect
from pledge.declaration import Declaration
from pledge.retention import service
from pledge.subjects.identity import parse
from pledge.subjects.plan import make_plan
from tests.retention import world


def _access(declaration: Declaration, email: str) -> dict[str, int]:
    """Rows per dataset that the request planner's email steps find, read through connectors."""
    (identity,) = parse([("email", email)])
    plan = make_plan(declaration, [identity])
    found: dict[str, int] = {}
    for step in plan.steps:
        if not any(m.field == "email" for m in step.matches):
            continue
        system = declaration.systems[step.system]
        connector = connect(step.system, system, environ={}, folder=Path.cwd())
        try:
            query = Select(step.dataset, "email", identity.forms)
            found[step.dotted] = sum(len(batch) for batch in connector.read(query))
        finally:
            connector.close()
    return found


def test_the_access_plan_finds_an_archived_applicant_until_the_archive_expires(
    source: sa.Engine, source_url: str
) -> None:
    declaration = world.declaration(source_url)
    email = "a35@example.com"  # inactive for 700 days: archived now
    assert _access(declaration, email) == {"net.applicant": 1, "net.applicant_archive": 0}
    service.run(declaration, lambda _: source, world.NOW, only="applicants")
    assert _access(declaration, email) == {"net.applicant": 0, "net.applicant_archive": 1}
    later = world.NOW + timedelta(days=91)
    service.run(declaration, lambda _: source, later, only="applicants")
    assert _access(declaration, email) == {"net.applicant": 0, "net.applicant_archive": 0}
