"""The pure rules: cut-offs, phases, holds placed on the right columns, uncovered datasets."""

from __future__ import annotations

from datetime import UTC, datetime

from pledge.retention.check import uncovered
from pledge.retention.report import describe_hold, describe_step
from pledge.rules.retention import Hold, overdue_before, steps, subject_columns
from tests.retention import world

DECLARATION = world.declaration("sqlite:///company.sqlite")


def test_age_rule_cuts_off_twelve_calendar_months_before_now() -> None:
    (step,) = steps(DECLARATION, world.NOW, only="cdr-12-months")
    assert step.cutoff == datetime(2025, 11, 1, 12, 0, tzinfo=UTC)
    assert (step.action, step.column, step.where) == ("delete", "started_at", "net.cdr")
    assert "more than 12 months ago" in describe_step(step)


def test_archive_rule_has_two_phases_and_the_archive_counts_from_archived_at() -> None:
    first, second = steps(DECLARATION, world.NOW, only="applicants")
    assert (first.phase, first.action, first.archive_to) == (
        "expire",
        "archive",
        "net.applicant_archive",
    )
    assert first.counted == "inactivity"
    assert (second.phase, second.action, second.where) == (
        "archive-expiry",
        "delete",
        "net.applicant_archive",
    )
    assert second.column == "archived_at"
    assert (world.NOW - second.cutoff).days == 90


def test_event_rule_anonymises_the_declared_fields() -> None:
    (step,) = steps(DECLARATION, world.NOW, only="leavers")
    assert step.counted == "event" and step.fields == ("name", "email")
    assert "have passed since left_at" in describe_step(step)


def test_subject_hold_lands_on_the_identity_column_and_expired_holds_do_not_count() -> None:
    live = Hold(1, "billing dispute", "dpo@test.example", identity="customer_id", value="3")
    old = Hold(
        2,
        "closed",
        "dpo@test.example",
        identity="customer_id",
        value="4",
        expires_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    (step,) = steps(DECLARATION, world.NOW, [live, old], only="cdr-12-months")
    assert [(h.column, h.values) for h in step.held] == [("customer_id", ("3",))]
    assert step.unplaced == ()


def test_a_subject_hold_with_no_column_in_the_dataset_is_reported_not_dropped() -> None:
    hold = Hold(1, "tribunal", "hr@test.example", identity="employee_id", value="E001")
    (step,) = steps(DECLARATION, world.NOW, [hold], only="cdr-12-months")
    assert step.held == () and step.unplaced == (hold,)
    assert subject_columns(DECLARATION, "net.employee", "employee_id") == ["employee_id"]


def test_dataset_hold_blocks_only_its_dataset() -> None:
    hold = Hold(1, "ICO investigation", "dpo@test.example", dataset="net.cdr")
    cdr, *others = steps(DECLARATION, world.NOW, [hold])
    assert cdr.blocked and not any(step.blocked for step in others)
    assert "dataset net.cdr" in describe_hold(hold)


def test_overdue_allows_a_grace_after_the_cut_off() -> None:
    (step,) = steps(DECLARATION, world.NOW, only="cdr-12-months")
    assert (step.cutoff - overdue_before(step)).days == 2


def test_every_dataset_is_covered_by_a_rule_or_as_an_archive() -> None:
    assert uncovered(DECLARATION) == []
    text = world.DECLARATION.format(url="sqlite:///x").replace(
        "  cdr-12-months: {dataset: net.cdr, keep: 12 months, from: started_at, then: delete}\n", ""
    )
    from pledge.declaration import load_text

    assert uncovered(load_text(text).declaration) == ["net.cdr"]


def test_a_resolved_hold_keeps_rows_by_key_where_no_identity_column_names_the_subject() -> None:
    found = Hold(1, "tribunal", "hr@test.example", identity="email", value="e3@northwold.example",
                 reach=(("net.employee", ("3",)),), resolved=True)  # fmt: skip
    (step,) = steps(DECLARATION, world.NOW, [found], only="leavers")
    assert [(h.column, h.values) for h in step.held] == [("id", ("3",))]
    assert not step.blocked and step.unplaced == ()
    (calls,) = steps(DECLARATION, world.NOW, [found], only="cdr-12-months")
    assert calls.held == () and calls.unplaced == () and not calls.blocked


def test_a_hold_whose_search_failed_holds_every_dataset_it_reaches() -> None:
    unknown = Hold(1, "tribunal", "hr@test.example", identity="email", value="e3@northwold.example",
                   reach=(("net.employee", None),), resolved=True)  # fmt: skip
    (step,) = steps(DECLARATION, world.NOW, [unknown], only="leavers")
    assert step.blocked and step.dataset_holds == (unknown,)
