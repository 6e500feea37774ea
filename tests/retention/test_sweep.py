"""Every rule shape swept on real databases: delete, anonymise, archive then delete, holds."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from pledge.retention import service
from pledge.retention.check import check
from pledge.rules.retention import Hold
from tests.retention import world


def _connect(engine: sa.Engine) -> service.Connect:
    return lambda system: engine


def _ids(engine: sa.Engine, table: sa.Table) -> set[int]:
    with engine.connect() as connection:
        return set(connection.execute(sa.select(table.c.id)).scalars())


def test_plan_counts_and_changes_nothing(source: sa.Engine, source_url: str) -> None:
    declaration = world.declaration(source_url)
    before = world.snapshot(source)
    lines = service.plan(declaration, _connect(source), world.NOW)
    assert [line.problem for line in lines] == [None] * 4
    counts = {
        (line.step.rule, line.step.phase): line.preview.eligible for line in lines if line.preview
    }
    assert counts[("cdr-12-months", "expire")] == len(world.expected_expired_calls())
    assert counts[("applicants", "expire")] == 9  # 20-day steps past 600 days: 31..39
    assert counts[("leavers", "expire")] == 8
    assert world.snapshot(source) == before


def test_run_applies_every_shape_and_a_second_run_finds_nothing(
    source: sa.Engine, source_url: str
) -> None:
    declaration = world.declaration(source_url)
    outcomes = service.run(declaration, _connect(source), world.NOW, batch_size=7)
    assert all(outcome.complete and outcome.error is None for outcome in outcomes)
    kept = set(range(world.CALLS)) - world.expected_expired_calls()
    assert _ids(source, world.cdr) == kept
    # Archived: gone from the applicants, present in the declared archive dataset.
    assert _ids(source, world.applicant) == set(range(31))
    assert _ids(source, world.applicant_archive) == set(range(31, 40))
    with source.connect() as connection:
        rows = connection.execute(
            sa.select(world.employee.c.id, world.employee.c.name, world.employee.c.email)
        ).all()
    emptied = {row.id for row in rows if row.name is None}
    assert all(row.email == "redacted" for row in rows if row.id in emptied)
    assert len(emptied) == 8 and not any(i % 3 == 0 for i in emptied)
    again = service.run(declaration, _connect(source), world.NOW, batch_size=7)
    assert [outcome.changed for outcome in again] == [0, 0, 0, 0]


def test_archived_rows_are_deleted_when_the_archive_period_ends(
    source: sa.Engine, source_url: str
) -> None:
    declaration = world.declaration(source_url)
    service.run(declaration, _connect(source), world.NOW, only="applicants")
    assert len(_ids(source, world.applicant_archive)) == 9
    later = world.NOW + timedelta(days=91)
    outcomes = service.run(declaration, _connect(source), later, only="applicants")
    assert [o.step.phase for o in outcomes] == ["expire", "archive-expiry"]
    # The first batch of archived rows has outlived its 90 days; the newly archived have not.
    moved_later = _ids(source, world.applicant_archive)
    assert moved_later and moved_later.isdisjoint(range(31, 40))


def test_holds_keep_rows_out_of_the_sweep(source: sa.Engine, source_url: str) -> None:
    declaration = world.declaration(source_url)
    holds = [
        Hold(1, "billing dispute", "dpo@test.example", identity="customer_id", value="3"),
        Hold(2, "tribunal", "hr@test.example", dataset="net.employee"),
    ]
    plan = {
        line.step.rule: line.preview
        for line in service.plan(declaration, _connect(source), world.NOW, holds, only=None)
        if line.step.phase == "expire"
    }
    expired = world.expected_expired_calls()
    held_calls = {i for i in expired if i % 5 == 3}
    assert plan["cdr-12-months"] is not None and plan["cdr-12-months"].held_back == len(held_calls)
    assert plan["leavers"] is not None and plan["leavers"].held_back == 8
    service.run(declaration, _connect(source), world.NOW, holds)
    assert _ids(source, world.cdr) == (set(range(world.CALLS)) - expired) | held_calls
    with source.connect() as connection:
        named = connection.execute(
            sa.select(sa.func.count()).where(world.employee.c.name.is_not(None))
        ).scalar_one()
    assert named == world.EMPLOYEES


def test_a_rule_naming_a_missing_or_mistyped_column_is_refused_with_the_dataset_named(
    source: sa.Engine, source_url: str
) -> None:
    text = world.DECLARATION.format(url=source_url).replace("from: started_at", "from: caller")
    from pledge.declaration import load_text

    declaration = load_text(text).declaration
    findings = check(declaration, _connect(source), world.NOW)
    refused = [f for f in findings if f.kind == "refused"]
    assert len(refused) == 1 and "net.cdr.caller" in refused[0].message
    assert "not a date or timestamp" in refused[0].message
    with source.begin() as connection:
        connection.execute(sa.text("ALTER TABLE employee DROP COLUMN left_at"))
    findings = check(world.declaration(source_url), _connect(source), world.NOW)
    assert any("net.employee has no column 'left_at'" in f.message for f in findings)


def test_check_reports_overdue_rows_until_they_are_swept(
    source: sa.Engine, source_url: str
) -> None:
    declaration = world.declaration(source_url)
    findings = check(declaration, _connect(source), world.NOW)
    assert {f.where for f in findings if f.kind == "overdue"} == {
        "net.cdr",
        "net.applicant",
        "net.employee",
    }
    service.run(declaration, _connect(source), world.NOW)
    assert check(declaration, _connect(source), world.NOW) == []
