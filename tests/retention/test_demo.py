"""The demo company end to end: its promises are overdue, one run keeps them, check agrees."""

from __future__ import annotations

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


def test_demo_on_sqlite(tmp_path: Path) -> None:
    folder = tmp_path / "northwold"
    result = CliRunner().invoke(
        main, ["demo", "generate", "--customers", "60", "--out", str(folder)]
    )
    assert result.exit_code == 0, result.output
    _keeps_its_promises(folder, {})


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
