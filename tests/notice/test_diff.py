"""`pledge notice diff` finds exactly the changes made, each flagged when customers must be
told."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pledge.cli import main
from pledge.declaration import load_file, load_text
from pledge.notice.diff import Change, diff
from tests.notice.examples import example
from tests.notice.test_lint import CLEAN

OLD = CLEAN.replace(
    "purposes:\n",
    "purposes:\n"
    "  surveys:\n"
    "    description: Ask what you think of our service\n"
    "    lawful_basis: consent\n"
    "    categories: [user.contact.email]\n",
)

NEW = (
    CLEAN.replace(
        "lawful_basis: contract",
        "lawful_basis: legitimate-interests\n    legitimate_interest: Getting paid for the service",
    )
    .replace(
        "categories: [user.contact.email]\n    data_subjects",
        "categories: [user.contact.email, user.name]\n    data_subjects",
    )
    .replace("recipients: [creditstyle]", "recipients: [creditstyle, tally]")
    .replace(
        "{name: Creditstyle, service: Debt collection, categories: [user.contact.email]}",
        "{name: Creditstyle, service: Debt collection, "
        "categories: [user.contact.email, user.name]}\n"
        "  tally: {name: Tally Inc, service: Payment reminders, country: US, "
        "safeguard: uk-idta, categories: [user.contact.email]}",
    )
    .replace("keep: 6 years", "keep: 7 years")
    .replace("channels: [email, sms, phone]", "channels: [email, sms, phone, post]")
)


def test_diff_finds_exactly_the_changes_made() -> None:
    old = load_text(OLD).declaration
    new = load_text(NEW).declaration
    assert diff(old, new) == [
        Change("We now collect Name.", True),
        Change(
            "Bill you for the calls you make: the lawful basis changes from a contract with "
            "you, or steps you asked for before one to our legitimate interests.",
            True,
        ),
        Change("Bill you for the calls you make: data is now shared with Tally Inc.", True),
        Change("Purpose removed: Ask what you think of our service.", False),
        Change("Creditstyle now also receives Name.", True),
        Change(
            "New recipient: Tally Inc (Payment reminders, United States) receives Email address.",
            True,
        ),
        Change(
            "Customer records will be kept longer: 7 years after it is recorded, then deleted.",
            True,
        ),
        Change("New marketing channel: post.", True),
    ]


def test_reverse_diff_flags_nothing_that_narrows() -> None:
    old = load_text(OLD).declaration
    new = load_text(NEW).declaration
    back = diff(new, old)
    told = [c.sentence for c in back if c.must_tell]
    assert told == [
        "New purpose: Ask what you think of our service (lawful basis: your consent).",
        "Bill you for the calls you make: the lawful basis changes from our legitimate "
        "interests to a contract with you, or steps you asked for before one.",
    ]
    said = [c.sentence for c in back]
    assert "We no longer share data with Tally Inc." in said
    assert "Bill you for the calls you make: data is no longer shared with Tally Inc." in said
    assert any("kept for less time: 6 years" in c.sentence for c in back)


def test_same_declaration_has_no_changes() -> None:
    kcom = load_file(example("kcom-2019")).declaration
    assert diff(kcom, kcom) == []


def test_country_safeguard_retention_removed_and_opt_out_route_withdrawn() -> None:
    old = load_text(CLEAN).declaration
    changed = CLEAN.replace(
        "service: Debt collection,", "service: Debt collection, country: IN, safeguard: uk-idta,"
    ).replace(
        "  opt_out_routes: [{how: Unsubscribe link in every email, channels: [email, phone]}]\n",
        "  opt_out_routes: [{how: Reply STOP, channels: [email, phone]}]\n",
    )
    sentences = [(c.sentence, c.must_tell) for c in diff(old, load_text(changed).declaration)]
    assert sentences == [
        ("Creditstyle now holds data in India (before: United Kingdom).", True),
        (
            "The safeguard for data sent to Creditstyle is now the UK International Data "
            "Transfer Agreement.",
            True,
        ),
        ("This way to opt out of marketing is withdrawn: Unsubscribe link in every email", True),
        ("New way to opt out of marketing: Reply STOP", False),
    ]


def test_cli_prints_changes_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "new.yaml").write_text(NEW)
    result = CliRunner().invoke(
        main, ["notice", "diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")]
    )
    assert result.exit_code == 0, result.output
    assert "TELL  New marketing channel: post." in result.output
    assert "      Purpose removed: Ask what you think of our service." in result.output
    assert "8 change(s); 7 to tell customers about" in result.output
    (tmp_path / "bad.yaml").write_text(OLD.replace("lawful_basis: consent", "lawful_basis: maybe"))
    bad = CliRunner().invoke(
        main, ["notice", "diff", str(tmp_path / "bad.yaml"), str(tmp_path / "new.yaml")]
    )
    assert bad.exit_code == 1
