"""Subject holds found through the request planner, and held whole when the search fails."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from pledge.declaration import load_text
from pledge.retention import service
from pledge.retention.reach import resolve
from pledge.rules.retention import Hold, steps
from tests.retention import world

HOLD = Hold(1, "tribunal", "hr@test.example", identity="applicant_id", value="35")


def test_the_planner_finds_the_subject_in_the_archive_too(
    source: sa.Engine, source_url: str
) -> None:
    declaration = world.declaration(source_url)
    service.run(declaration, lambda _: source, world.NOW, only="applicants")
    (found,) = resolve(declaration, [HOLD], environ={}, folder=Path.cwd())
    reach = dict(found.reach)
    assert found.resolved and reach["net.applicant_archive"] == ("35",)
    assert reach["net.applicant"] == ()


def test_a_failed_search_is_marked_unknown_and_direct_columns_still_hold() -> None:
    text = world.DECLARATION.format(url="env:COMPANY_URL_NOT_SET")
    declaration = load_text(text).declaration
    email_hold = Hold(2, "claim", "dpo@test.example", identity="email", value="a3@example.com")
    (found,) = resolve(declaration, [email_hold], environ={}, folder=Path.cwd())
    assert found.resolved and all(keys is None for _, keys in found.reach)
    by_dataset = {step.where: step for step in steps(declaration, world.NOW, [found])}
    # The applicant tables name the email, so the hold filters them by it; the employees'
    # emails are not an identity the planner follows, so that table is not the subject's.
    assert [h.column for h in by_dataset["net.applicant"].held] == ["email"]
    assert not any(step.blocked for step in by_dataset.values())
