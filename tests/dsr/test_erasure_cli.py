"""The commands: pledge erase, erasure replay, rectify, restriction set|lift, object."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pledge.cli import main
from tests.dsr.erasure_estate import YAML, Estate, estate
from tests.fixtures.keys import TEST_HASH_KEY

__all__ = ["estate"]
PURPOSES = """
purposes:
  fraud: {description: Score fraud risk, lawful_basis: legitimate-interests,
          legitimate_interest: stopping fraud}
"""


@pytest.fixture
def pledge(estate: Estate, tmp_path: Path) -> CliRunnerFor:
    config = tmp_path / "pledge.yaml"
    config.write_text(YAML.format(crm=estate.crm, billing=estate.billing) + PURPOSES)
    env = {"PLEDGE_HASH_KEY": TEST_HASH_KEY, "PLEDGE_DATABASE_URL": estate.settings.database_url}
    return CliRunnerFor(config, env)


class CliRunnerFor:
    """Runs ``pledge --config FILE ...`` with the estate's store and hash key."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.config, self.env = config, env

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(
            main, ["--config", str(self.config), *args], env=self.env if env is None else env
        )


def test_erase_prints_the_certificate(pledge: CliRunnerFor, estate: Estate) -> None:
    result = pledge("erase", "--email", estate.people[2].email, "--yes")
    assert result.exit_code == 0, result.output
    assert "status: complete with exemptions" in result.output
    assert "kept 2 row(s) under 'invoices-6-years'" in result.output
    again = pledge("erase", "--email", estate.people[1].email, "--yes", "--json")
    assert json.loads(again.output)["status"] == "complete-with-exemptions"


def test_erase_asks_first_and_refuses_without_a_key(pledge: CliRunnerFor, estate: Estate) -> None:
    before = estate.rows()
    asked = CliRunner().invoke(
        main,
        ["--config", str(pledge.config), "erase", "--email", estate.people[0].email],
        input="n\n",
        env=pledge.env,
    )
    assert asked.exit_code == 1 and "Aborted" in asked.output
    keyless = pledge(
        "erase",
        "--email",
        estate.people[0].email,
        "--yes",
        env={**pledge.env, "PLEDGE_HASH_KEY": ""},
    )
    assert keyless.exit_code == 1 and "PLEDGE_HASH_KEY" in keyless.output
    assert estate.rows() == before


def test_erase_exits_3_when_data_remains(pledge: CliRunnerFor, estate: Estate) -> None:
    with sqlite3.connect(estate.crm.removeprefix("sqlite:///")) as db:
        db.execute("CREATE TRIGGER keep BEFORE DELETE ON address BEGIN SELECT RAISE(IGNORE); END")
    db.close()
    result = pledge("erase", "--email", estate.people[0].email, "--yes")
    assert result.exit_code == 3
    assert "crm.address: 1 row(s) still hold the data" in result.output


def test_replay_command(pledge: CliRunnerFor, estate: Estate, tmp_path: Path) -> None:
    billing = Path(estate.billing.removeprefix("sqlite:///"))
    shutil.copy(billing, tmp_path / "backup.sqlite")
    assert pledge("erase", "--email", estate.people[0].email, "--yes").exit_code == 0
    shutil.copy(tmp_path / "backup.sqlite", billing)
    listed = pledge("erasure", "list", "--system", "billing")
    assert listed.exit_code == 0 and "billing: 3 row(s) in call, invoice, account" in listed.output
    assert estate.people[0].email not in pledge("erasure", "list").output
    result = pledge("erasure", "replay", "--system", "billing")
    assert result.exit_code == 0, result.output
    assert "1 past erasure(s) in the ledger; 1 found in the restored data" in result.output
    unknown = pledge("erasure", "replay", "--system", "bling")
    assert unknown.exit_code == 1 and "'bling' is not a declared system" in unknown.output


def test_rectify_restrict_and_object(pledge: CliRunnerFor, estate: Estate) -> None:
    email = estate.people[0].email
    fixed = pledge("rectify", "--email", email, "--set", "crm.customer.full_name=Ann Smyth")
    assert fixed.exit_code == 0 and "crm.customer.full_name: 1 row(s) corrected" in fixed.output
    bad = pledge("rectify", "--email", email, "--set", "crm.customer.id=9")
    assert bad.exit_code == 1 and "is a key" in bad.output
    flagged = pledge("restriction", "set", "--email", email)
    assert "crm.customer: 1 row(s) flagged" in flagged.output
    refused = pledge("restriction", "lift", "--email", email, "--by", "dpo")
    assert refused.exit_code == 1 and "must be told before" in refused.output
    lifted = pledge(
        "restriction", "lift", "--email", email, "--by", "dpo", "--told-at", "2026-01-01"
    )
    assert lifted.exit_code == 0, lifted.output
    objected = pledge("object", "--email", email, "--to", "processing", "--purpose", "fraud")
    assert objected.exit_code == 0 and "decision due" in objected.output
    marketing = pledge("object", "--email", email, "--to", "direct-marketing")
    assert "objection to direct marketing recorded" in marketing.output
