"""The demo company end to end: its promises are overdue, one run keeps them, check agrees."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from pledge.cli import main


def pledge(folder: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["--config", str(folder / "pledge.yaml"), *args],
        env={"PLEDGE_DATABASE_URL": f"sqlite:///{folder / 'store.sqlite'}", **(env or {})},
    )
    return result.exit_code, result.output


def _keeps_its_promises(folder: Path, env: dict[str, str]) -> None:
    assert pledge(folder, "db", "upgrade", env=env)[0] == 0
    code, out = pledge(folder, "retention", "check", env=env)
    assert code == 1 and "overdue: rule 'call-records'" in out, out
    code, out = pledge(folder, "retention", "run", "--quiet", env=env)
    assert code == 0, out
    assert "call-records [expire] network.call_record: deleted" in out
    assert "cards [expire] billing.payment_card: archived" in out
    code, out = pledge(folder, "retention", "check", env=env)
    assert code == 0, out
    code, out = pledge(folder, "retention", "run", "--quiet", env=env)
    assert code == 0 and "0 row(s) changed" in out


def _old_calls(folder: Path) -> dict[int, int]:
    """Customer id → call records older than 12 months (call records name only the account)."""
    crm = sqlite3.connect(folder / "crm.sqlite")
    owner = dict(crm.execute("SELECT number, customer_id FROM account").fetchall())
    crm.close()
    network = sqlite3.connect(folder / "network.sqlite")
    rows = network.execute(
        "SELECT account_number, count(*) FROM call_record "
        "WHERE started_at < datetime('now', '-12 months') GROUP BY account_number"
    ).fetchall()
    network.close()
    counts: dict[int, int] = {}
    for account, count in rows:
        counts[owner[account]] = counts.get(owner[account], 0) + count
    return counts


def test_demo_on_sqlite_and_a_held_customer_keeps_their_call_records(tmp_path: Path) -> None:
    folder = tmp_path / "northwold"
    result = CliRunner().invoke(
        main, ["demo", "generate", "--customers", "60", "--out", str(folder)]
    )
    assert result.exit_code == 0, result.output
    held, count = next(iter(_old_calls(folder).items()))
    code, out = pledge(folder, "db", "upgrade")
    code, out = pledge(
        folder, "retention", "hold", "add", "--subject", f"customer_id={held}",
        "--reason", "billing dispute 88", "--by", "dpo@northwold.example",
    )  # fmt: skip
    assert code == 0, out
    code, out = pledge(folder, "retention", "plan", "--rule", "call-records")
    assert f"{count} expired row(s) held back" in out, out
    _keeps_its_promises(folder, {})
    # The hold names the customer; their call records name only their account, yet stay.
    assert _old_calls(folder) == {held: count}


@pytest.mark.postgres
@pytest.mark.mariadb
def test_demo_on_postgres_and_mariadb(tmp_path: Path, postgres_url: str, mariadb_url: str) -> None:
    folder = tmp_path / "northwold"
    result = CliRunner().invoke(
        main,
        [
            "demo",
            "generate",
            "--customers",
            "60",
            "--out",
            str(folder),
            "--target",
            f"postgres={postgres_url}",
            "--target",
            f"mariadb={mariadb_url}",
        ],
    )
    assert result.exit_code == 0, result.output
    env = {"NORTHWOLD_POSTGRES_URL": postgres_url, "NORTHWOLD_MARIADB_URL": mariadb_url}
    _keeps_its_promises(folder, env)
