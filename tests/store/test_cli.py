"""``pledge db`` against real stores, through the real command line entry point."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pledge.cli import main
from pledge.settings import Settings
from pledge.store import head


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"PLEDGE_DATABASE_URL": None})
    return result.exit_code, result.output


def test_upgrade_current_downgrade(settings: Settings) -> None:
    url = ("--database-url", settings.database_url)
    code, output = run(*url, "db", "current")
    assert code == 0, output
    assert "is empty (run `pledge db upgrade`" in output

    code, output = run(*url, "db", "upgrade")
    assert code == 0, output
    assert f"at revision {head()} (the latest)" in output

    code, output = run(*url, "db", "downgrade", "base")
    assert code == 0, output
    assert "is empty" in output


def test_default_store_is_created_beside_the_declaration(tmp_path: Path) -> None:
    declaration = tmp_path / "pledge.yaml"
    declaration.write_text("pledge: 1\ncontroller: {name: Acme Ltd, address: 1 Road}\n")
    code, output = run("--config", str(declaration), "db", "upgrade")
    assert code == 0, output
    assert (tmp_path / ".pledge" / "pledge.sqlite").is_file()
    assert str(tmp_path / ".pledge" / "pledge.sqlite") in output


def test_unreachable_store_is_one_line_not_a_traceback() -> None:
    url = "postgresql://pledge:s3cret@127.0.0.1:1/pledge"
    code, output = run("--database-url", url, "db", "upgrade")
    assert code == 1
    assert output == (
        "Error: cannot reach Pledge's store at "
        "postgresql://pledge:***@127.0.0.1:1/pledge: connection refused\n"
    )


def test_unknown_revision_is_a_plain_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pledge.sqlite'}"
    code, output = run("--database-url", url, "db", "downgrade", "nope")
    assert code == 1
    assert output.startswith("Error: ") and "nope" in output
    assert "Traceback" not in output
