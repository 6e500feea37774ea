"""`pledge plan`: the plan printed readably; bad identities are usage errors."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pledge.cli import main
from tests.dsr.estates import TELECOM


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    (tmp_path / "pledge.yaml").write_text(TELECOM)
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "pledge.yaml"), "plan", *args])
    return result.exit_code, result.output


def test_plan_prints_numbered_steps_how_reached_and_what_is_read(tmp_path: Path) -> None:
    code, out = run(tmp_path, "--email", " Ann@Example.UK", "--phone", "01482 123456")
    assert code == 0, out
    assert out.startswith("Plan for email ann@example.uk, phone +441482123456: 5 step(s)")
    assert "  1. crm.customer\n     match email (any case) = the email given\n" in out
    assert (
        "     match calling_number = the phone given "
        "(also as +44 1482 123456, 01482 123456, 01482123456)" in out
    )
    assert "match customer_id = crm.customer.id (step 1): rows that refer to it" in out
    assert "     read  id, account_number, total" in out
    assert "Unreachable (personal data no identity or reference leads to):\n  none" in out
    assert "Erasure order (rows that refer to others first): " in out


def test_other_identity_kinds_and_unused_ones(tmp_path: Path) -> None:
    code, out = run(tmp_path, "--identity", "username=ann", "--customer-id", "C1")
    assert code == 0, out
    assert "No declared field holds: username" in out
    assert "match id = the customer id given" in out


def test_bad_identities_are_usage_errors(tmp_path: Path) -> None:
    code, out = run(tmp_path, "--phone", "12")
    assert code == 2
    assert "phone '12' is not a phone number" in out
    code, out = run(tmp_path)
    assert code == 2
    assert "say who the request is about" in out
    code, out = run(tmp_path, "--identity", "shoe_size")
    assert code == 2
    assert "--identity takes KIND=VALUE" in out


def test_shared_identities_are_summarised_and_one_way_links_named() -> None:
    from pledge.subjects.explain import describe
    from pledge.subjects.identity import Identity
    from tests.dsr.test_plan import CONTACT_CENTRE, plan_for

    lines = describe(plan_for(CONTACT_CENTRE, Identity("email", "ann@example.uk")))
    text = "\n".join(lines)
    assert "     match personal_email (any case) = the email given\n" in text
    assert "or any email found in step 1\n" in text
    assert "Followed one way only" in text
    assert "  contact_centre.recording.agent_id" in lines
