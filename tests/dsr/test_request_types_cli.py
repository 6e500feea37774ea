"""``pledge request access|erase|rectify|restrict|object``, ``challenge``, ``verify --code`` and
``pledge requests`` through the real command line, on SQLite files and a local SMTP server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pledge.cli import main
from tests.dsr.erasure_estate import HOUSEHOLDS, YAML, Estate, make_estate
from tests.fixtures.keys import TEST_HASH_KEY
from tests.fixtures.smtp import Inbox

RIGHTS = """
rights:
  verification: {erasure: email-code+account-number, access: email-code}
  how_to_ask: {email: privacy@northwold.example}
purposes:
  fraud:
    description: Score fraud risk
    lawful_basis: legitimate-interests
    legitimate_interest: stopping fraud
marketing:
  channels: [email, sms]
"""


@pytest.fixture
def world(tmp_path: Path) -> Estate:
    estate = make_estate(tmp_path, list(HOUSEHOLDS))
    (tmp_path / "pledge.yaml").write_text(
        YAML.format(crm=estate.crm, billing=estate.billing) + RIGHTS
    )
    return estate


def cli(world: Estate, inbox: Inbox) -> CliRunner:
    folder = Path(world.settings.database_url.removeprefix("sqlite:///")).parent
    return CliRunner(
        env={
            "PLEDGE_CONFIG": str(folder / "pledge.yaml"),
            "PLEDGE_DATABASE_URL": world.settings.database_url,
            "PLEDGE_HASH_KEY": TEST_HASH_KEY,
            "PLEDGE_SMTP_HOST": inbox.host,
            "PLEDGE_SMTP_PORT": str(inbox.port),
            "PLEDGE_ACTOR": "dpo@northwold.example",
        }
    )


def run(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, list(args))
    return result.exit_code, result.output


def test_rectification_and_objection_run_from_the_register(
    world: Estate, smtp_server: Inbox
) -> None:
    runner = cli(world, smtp_server)
    cat, ann = world.people[2], world.people[0]
    code, out = run(
        runner,
        "request",
        "rectify",
        "--email",
        cat.email,
        "--set",
        "crm.customer.full_name=Cat Jonas",
    )
    assert code == 0, out
    assert "request 1 logged: rectification, in progress" in out
    code, out = run(runner, "request", "run", "1")
    assert code == 0 and "request 1 is complete" in out, out
    engine = sa.create_engine(world.crm)
    with engine.connect() as connection:
        name = connection.execute(sa.text("SELECT full_name FROM customer WHERE id = 3")).scalar()
    engine.dispose()
    assert name == "Cat Jonas"
    code, out = run(runner, "request", "show", "1")
    assert "corrected crm.customer.full_name (1)" in out
    assert "changes      crm.customer.full_name = Cat Jonas" in out

    code, out = run(runner, "request", "object", "--email", ann.email, "--to", "direct-marketing")
    assert code == 0 and "request 2 logged: objection" in out, out
    code, out = run(runner, "request", "run", "2")
    assert code == 0 and "request 2 is complete" in out, out
    code, out = run(
        runner,
        "request",
        "object",
        "--email",
        ann.email,
        "--to",
        "processing",
        "--purpose",
        "fraud",
    )
    code, out = run(runner, "request", "run", "3")
    assert code == 0, out
    code, out = run(runner, "request", "show", "3")
    assert "objection recorded for the DPO to decide by" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("rectify", "--set", "crm.customer.id=9"), "is a key that links rows"),
        (("rectify", "--set", "crm.customer.shoe=9"), "'crm.customer.shoe' is not a declared"),
        (("rectify", "--set", "no-equals"), "--set takes SYSTEM.DATASET.FIELD=VALUE"),
        (("object", "--to", "processing"), "names the purpose: --purpose P"),
        (("object", "--to", "processing", "--purpose", "golf"), "'golf' is not a declared"),
    ],
)
def test_requests_that_cannot_be_logged_as_given(
    world: Estate, smtp_server: Inbox, args: tuple[str, ...], message: str
) -> None:
    runner = cli(world, smtp_server)
    code, out = run(runner, "request", args[0], "--email", "ann@example.uk", *args[1:])
    assert code == 2 and message in out, out


def test_an_erasure_verified_by_code_and_account_number(world: Estate, smtp_server: Inbox) -> None:
    runner = cli(world, smtp_server)
    cat = world.people[2]
    code, out = run(runner, "request", "erase", "--email", cat.email.upper())
    assert code == 0, out
    assert "request 1 logged: erasure, awaiting verification" in out
    assert "pledge request challenge 1" in out
    code, out = run(runner, "request", "challenge", "1")
    assert code == 0 and f"code sent to {cat.email}" in out, out
    found = re.search(r"\b(\d{6})\b", smtp_server.last_body())
    assert found is not None
    code, out = run(runner, "request", "verify", "1", "--code", found.group(1))
    assert code == 1 and "give --account-number" in out, out
    code, out = run(
        runner, "request", "verify", "1", "--code", found.group(1), "--account-number", "NW000001"
    )
    assert code == 1 and "the account number does not match our records; 4 attempt(s)" in out
    code, out = run(runner, "request", "verify", "1", "--code", found.group(1), "--how", "x")
    assert code == 2 and "--how for a person's check" in out
    code, out = run(runner, "requests")
    assert code == 0 and "awaiting verification" in out and "1 open request(s), 0 overdue" in out
    code, out = run(
        runner, "request", "verify", "1", "--code", found.group(1), "--account-number", cat.account
    )
    assert code == 0 and "request 1 is in progress; due" in out, out
    code, out = run(runner, "request", "run", "1")
    assert code == 0 and "request 1 is complete with exemptions" in out, out
    code, out = run(runner, "requests")
    assert code == 0 and "no requests" in out


def test_requests_lists_overdue_first(world: Estate, smtp_server: Inbox) -> None:
    runner = cli(world, smtp_server)
    email = world.people[0].email
    assert run(runner, "request", "restrict", "--email", email)[0] == 0
    code, out = run(runner, "request", "restrict", "--email", email, "--received", "2025-01-06")
    assert code == 0, out
    code, out = run(runner, "requests")
    lines = out.splitlines()
    assert "OVERDUE" in lines[1] and lines[1].split()[0] == "2", out
    assert "2 open request(s), 1 overdue" in out
