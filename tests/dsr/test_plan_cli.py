"""`pledge plan`: the plan printed readably, each step marked people or owned, with what it
will not follow (context, mentions) and what the declared reach warns about; bad identities
are usage errors."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pledge.cli import main
from tests.dsr.estates import TELECOM
from tests.dsr.test_plan import CONTACT_CENTRE


def run(tmp_path: Path, *args: str, text: str = TELECOM) -> tuple[int, str]:
    (tmp_path / "pledge.yaml").write_text(text)
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "pledge.yaml"), "plan", *args])
    return result.exit_code, result.output


def test_plan_prints_numbered_steps_how_reached_and_what_is_read(tmp_path: Path) -> None:
    code, out = run(tmp_path, "--email", " Ann@Example.UK", "--phone", "01482 123456")
    assert code == 0, out
    assert out.startswith("Plan for email ann@example.uk, phone +441482123456: 5 step(s)")
    assert (
        "  1. crm.customer  [people]\n"
        "     match id = any customer id found on the person's own rows\n"
        "     match email (any case) = the email given, and any found on the person's own rows\n"
        "     read  id, email, name\n" in out
    )
    assert (
        "     match calling_number = the phone given "
        "(also as +44 1482 123456, 01482 123456, 01482123456)" in out
    )
    assert "  4. billing.account  [owned]\n" in out
    assert (
        "     match customer_id = crm.customer.id (step 1): rows that belong to the person's "
        "rows there  [owned: belongs-to]\n" in out
    )
    assert "     read  id, account_number, total" in out
    assert "Unreachable (personal data no identity or ownership leads to):\n  none" in out
    assert (
        "Erasure order (rows that refer to others first): billing.invoice, crm.address, "
        "network.cdr, billing.account, crm.customer\n" in out
    )
    # Nothing here is context, a mention or a warning: those sections are left out.
    for section in ("Context (", "Mentions (", "Warnings:"):
        assert section not in out


def test_a_phone_alone_finds_the_call_records_not_the_customer(tmp_path: Path) -> None:
    code, out = run(tmp_path, "--phone", "01482 123456")
    assert code == 0, out
    assert out.startswith("Plan for phone +441482123456: 1 step(s)\n\n  1. network.cdr  [owned]\n")
    assert "crm.customer  [people]" not in out
    heading = "Not reached with these identities (another kind of identity finds them):"
    assert f"{heading}\n  crm.customer\n" in out


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


def test_context_mentions_and_warnings_are_listed(tmp_path: Path) -> None:
    text = (
        CONTACT_CENTRE.replace(
            "          audio: {categories: [user.content]}\n",
            "          audio: {categories: [user.content]}\n"
            "          transferred_to: {mention: phone, erase: mask}\n",
        )
        # An undeclared reference from a dataset of people to an owned one: context, warned.
        .replace(
            "          personal_email: {categories: [user.contact.email], identity: email}\n",
            "          personal_email: {categories: [user.contact.email], identity: email}\n"
            "          desk_ticket: {references: contact_centre.ticket.id}\n",
        )
    )
    code, out = run(tmp_path, "--email", "ann@example.uk", text=text)
    assert code == 0, out
    lines = out.splitlines()
    assert "  1. crm.customer  [people]" in lines
    assert "  2. hr.employee  [people]" in lines
    assert "     match personal_email (any case) = the email given, and any found on the " in out
    at = lines.index("Context (not followed: never found from, never erased with the person):")
    assert lines[at + 1 : at + 4] == [
        "  hr.employee.desk_ticket → contact_centre.ticket.id  [context]",
        "  contact_centre.recording.agent_id → hr.employee.id  [context]",
        "  contact_centre.ticket.account_number → billing.account.number  [context]",
    ]
    at = lines.index("Mentions (another party's identity: never followed):")
    assert lines[at + 1] == (
        "  contact_centre.recording.transferred_to  "
        "[mention: phone; when the person named is erased: mask]"
    )
    at = lines.index("Warnings:")
    assert lines[at + 1].startswith(
        "  hr.employee.desk_ticket refers to contact_centre.ticket from a dataset of people"
    )
    # The agent's id on a recording is never a way to find anyone.
    assert "match agent_id" not in out
