"""`pledge demo` and `pledge demo generate` as a new user meets them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pledge.cli import main
from pledge.demo.estate import MARKER


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_pledge_demo_makes_a_checked_estate_then_reuses_it(runner: CliRunner) -> None:
    first = runner.invoke(main, ["demo"], env={})
    assert first.exit_code == 0, first.output
    assert "valid declaration for Northwold Telecom Ltd" in first.stdout
    assert "cd northwold" in first.stdout and "pledge check" in first.stdout
    assert "warning" not in first.stderr
    marker = Path("northwold", MARKER)
    made = marker.stat().st_mtime_ns
    second = runner.invoke(main, ["demo"], env={})
    assert second.exit_code == 0, second.output
    assert "Using the estate already in" in second.stdout
    assert marker.stat().st_mtime_ns == made


def test_the_generated_declaration_passes_pledge_check(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = runner.invoke(main, ["demo", "generate", "--customers", "30", "--out", "estate",
                                "--seed", "3", "--as-of", "2026-01-31"])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "call_record" in made.stdout and "rows in" in made.stdout
    monkeypatch.chdir("estate")
    checked = runner.invoke(main, ["check"], env={})
    assert checked.exit_code == 0, checked.output
    assert checked.stderr == "", "no warnings"


def test_a_folder_in_the_way_is_refused_with_one_clear_line(runner: CliRunner) -> None:
    Path("northwold").mkdir()
    Path("northwold", "mine.txt").write_text("x")
    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {Path('northwold').absolute()} is not empty and is not a Northwold estate; "
        "choose another --out (Pledge never replaces a folder it did not make); "
        "nothing was written"
    ]


def test_bad_targets_are_usage_errors(runner: CliRunner) -> None:
    result = runner.invoke(main, ["demo", "generate", "--target", "oracle=x"])
    assert result.exit_code == 2
    assert "postgres=URL or mariadb=URL" in result.stderr


def test_a_server_that_is_down_exits_1_with_one_message(runner: CliRunner) -> None:
    url = "postgresql://pledge:s3cret@127.0.0.1:1/northwold"
    result = runner.invoke(
        main, ["demo", "generate", "--customers", "5", "--target", f"postgres={url}"]
    )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect to PostgreSQL" in lines[0]
    assert "nothing was written" in lines[0] and "s3cret" not in lines[0]
    assert not Path("northwold").exists()
