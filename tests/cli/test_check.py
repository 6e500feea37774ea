"""`pledge check`: exit 0 valid, 1 invalid, 2 unreadable; the declaration is found unasked."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pledge.cli import main
from tests.declaration.test_errors import BASE


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_valid_declaration_prints_summary(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "pledge.yaml").write_text(BASE)
    result = runner.invoke(main, ["check", str(tmp_path / "pledge.yaml")], env={})
    assert result.exit_code == 0, result.output
    assert "valid declaration for Northwold Telecom Ltd" in result.output
    assert "personal fields      4" in result.output
    assert "retention rules      1" in result.output


def test_invalid_declaration_exits_1_and_lists_problems(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "pledge.yaml"
    path.write_text(BASE.replace("from: created_at", "from: created"))
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:34:" in result.output
    assert "nothing was run" in result.output


def test_missing_and_malformed_files_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    missing = runner.invoke(main, ["check", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "no such file" in missing.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("controller: {name: [\n")
    malformed = runner.invoke(main, ["check", str(bad)])
    assert malformed.exit_code == 2
    assert "not valid YAML" in malformed.output


def test_finds_pledge_yaml_in_a_parent_folder(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pledge.yaml").write_text(BASE)
    inner = tmp_path / "reports"
    inner.mkdir()
    monkeypatch.chdir(inner)
    monkeypatch.delenv("PLEDGE_CONFIG", raising=False)
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "pledge.yaml") in result.output


def test_no_declaration_anywhere_says_what_to_do(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLEDGE_CONFIG", raising=False)
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 2
    assert "no declaration found" in result.output


#: Commands that load the declaration, each with the arguments it needs to get that far.
LOADING = [
    ["check"],
    ["notice"],
    ["lint"],
    ["ropa"],
    ["retention", "check"],
    ["tps", "status"],
    ["plan", "--email", "a@example.com"],
    ["erase", "--email", "a@example.com", "--yes"],
    ["access", "--email", "a@example.com"],
    ["erasure", "list"],
    ["screen", "audience.csv", "--channel", "email", "--purpose", "news"],
]


@pytest.mark.parametrize("command", LOADING, ids=lambda c: " ".join(c[:2]))
def test_a_missing_declaration_exits_2_whatever_the_command(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLEDGE_CONFIG", raising=False)
    named = runner.invoke(main, ["--config", str(tmp_path / "missing.yaml"), *command])
    assert named.exit_code == 2, named.output
    assert f"{tmp_path / 'missing.yaml'}: there is no such file" in named.output
    unnamed = runner.invoke(main, command)
    assert unnamed.exit_code == 2, unnamed.output
    assert "no declaration found" in unnamed.output
    assert "Traceback" not in named.output + unnamed.output
