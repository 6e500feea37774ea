"""Bad input from the issue: unknown identity kinds, malformed values, a subject not found,
and a declaration that no longer matches the database. Through the real command line."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pledge.cli import main
from tests.dsr.declarations import ACCESS_YAML
from tests.dsr.estate import build
from tests.fixtures.keys import TEST_HASH_KEY

DRIFTED = ACCESS_YAML.replace(
    "          name: {categories: [user.name]}\n",
    "          name: {categories: [user.name]}\n"
    "          dob: {categories: [user.demographic.date_of_birth]}\n",
)


def runner(folder: Path, yaml: str = ACCESS_YAML) -> CliRunner:
    (folder / "pledge.yaml").write_text(yaml)
    env = {
        **build(folder),
        "PLEDGE_CONFIG": str(folder / "pledge.yaml"),
        "PLEDGE_DATABASE_URL": f"sqlite:///{folder / 'store.sqlite'}",
        "PLEDGE_HASH_KEY": TEST_HASH_KEY,
    }
    return CliRunner(env=env)


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--identity", "shoe_size=9"), "'shoe_size' is not an identity kind; use one of: email"),
        (("--identity", "email"), "--identity takes KIND=VALUE, not 'email'"),
        (("--email", "ada(at)example.org"), "email 'ada(at)example.org' is not an email address"),
        (("--phone", "123"), "phone '123' is not a phone number"),
        (("--identity", "postcode=HU1"), "postcode 'HU1' is not a UK postcode"),
        ((), "say who the request is about"),
    ],
)
@pytest.mark.parametrize("command", ["access", "erase", "object"])
def test_identities_that_cannot_be_are_refused_naming_them(
    tmp_path: Path, command: str, args: tuple[str, ...], message: str
) -> None:
    cli = runner(tmp_path)
    extra = ("--to", "direct-marketing") if command == "object" else ()
    code, output = run(cli, "request", command, *args, *extra)
    assert code == 2 and message in output, output


def test_both_bad_values_are_named_at_once(tmp_path: Path) -> None:
    code, output = run(runner(tmp_path), "request", "access", "--email", "x", "--phone", "1")
    assert code == 2 and "email 'x'" in output and "phone '1'" in output


def test_a_subject_who_is_not_found_gets_a_plain_no_data_answer(tmp_path: Path) -> None:
    cli = runner(tmp_path)
    out = tmp_path / "answers"
    code, output = run(cli, "access", "--email", "nobody@example.org", "--out", str(out))
    assert code == 0, output
    assert "request 1 is complete" in output
    assert "no personal data found for this person in 2 place(s)" in output
    with zipfile.ZipFile(next(out.glob("*.zip"))) as package:
        report = package.read("report.html").decode()
    assert "found no personal information about you" in report


def test_a_declared_column_missing_from_the_database_is_named(tmp_path: Path) -> None:
    cli = runner(tmp_path, DRIFTED)
    out = tmp_path / "answers"
    code, output = run(cli, "access", "--email", "ada@example.org", "--out", str(out))
    assert code == 1
    named = "crm.customer.dob is declared but table 'customer' has no column 'dob'"
    assert named in output
    assert not list(out.glob("*.zip"))  # no half-written package is left
    code, output = run(cli, "request", "show", "1")
    assert "failed" in output and named in output
    for command in (
        ("erase", "--email", "ada@example.org", "--yes"),
        ("rectify", "--email", "ada@example.org", "--set", "crm.customer.name=Ada King"),
        ("restriction", "set", "--email", "ada@example.org"),
    ):
        code, output = run(cli, *command)
        assert code == 1 and named in output, (command, output)
    with sqlite3.connect(tmp_path / "crm.sqlite") as crm:
        assert crm.execute("SELECT name FROM customer WHERE id = 1").fetchone() == ("Ada Lovelace",)


def test_a_declared_table_missing_from_the_database_is_named(tmp_path: Path) -> None:
    cli = runner(tmp_path)
    with sqlite3.connect(tmp_path / "network.sqlite") as network:
        network.execute("ALTER TABLE cdr RENAME TO calls")
    code, output = run(cli, "access", "--email", "ada@example.org", "--out", str(tmp_path))
    assert code == 1, output
    assert "system 'network' has no table 'cdr'" in output, output
