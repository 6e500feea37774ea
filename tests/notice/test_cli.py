"""`pledge notice` renders by default and `pledge notice diff` compares; `pledge lint` exits 1
on errors and prints findings in text, Markdown or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pledge.cli import main
from tests.notice.examples import example
from tests.notice.test_lint import CLEAN


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_notice_renders_html_by_default(runner: CliRunner) -> None:
    result = runner.invoke(main, ["notice", str(example("kynex-2023")), "--date", "2026-01-31"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("<!DOCTYPE html>")
    assert '<time datetime="2026-01-31">31 January 2026</time>' in result.output


def test_notice_markdown_to_a_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "notice.md"
    result = runner.invoke(
        main, ["notice", "--format", "md", "--out", str(out), str(example("cmm-telecoms"))]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Privacy notice: CMM Telecoms\n")
    assert "This notice does not list what we collect." in text


def test_notice_finds_pledge_yaml_and_render_is_also_a_subcommand(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pledge.yaml").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLEDGE_CONFIG", raising=False)
    plain = runner.invoke(main, ["notice", "--format", "md"])
    assert plain.exit_code == 0, plain.output
    assert plain.output.startswith("# Privacy notice: Northwold Telecom Ltd")
    explicit = runner.invoke(main, ["notice", "render", "--format", "md"])
    assert explicit.output.splitlines()[0] == plain.output.splitlines()[0]


def test_notice_help_lists_both_uses(runner: CliRunner) -> None:
    result = runner.invoke(main, ["notice", "--help"])
    assert result.exit_code == 0
    assert "pledge notice diff OLD NEW" in result.output
    assert "--format html|md" in result.output


def test_invalid_declaration_exits_1_and_missing_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CLEAN.replace("lawful_basis: contract", "lawful_basis: contracts"))
    for command in (["notice"], ["lint"], ["ropa"]):
        assert runner.invoke(main, [*command, str(bad)]).exit_code == 1
        assert runner.invoke(main, [*command, str(tmp_path / "none.yaml")]).exit_code == 2


def test_lint_exit_status_and_formats(runner: CliRunner, tmp_path: Path) -> None:
    clean = tmp_path / "clean.yaml"
    clean.write_text(CLEAN)
    ok = runner.invoke(main, ["lint", str(clean)])
    assert ok.exit_code == 0, ok.output
    assert "0 errors, 0 warnings, 0 info" in ok.output
    warned = tmp_path / "warned.yaml"
    warned.write_text(CLEAN.replace("    requirement: contractual\n", ""))
    assert runner.invoke(main, ["lint", str(warned)]).exit_code == 0
    failing = runner.invoke(main, ["lint", str(example("cmm-telecoms")), "--format", "json"])
    assert failing.exit_code == 1
    rows = json.loads(failing.stdout)
    assert {"code", "severity", "file", "line", "column", "where", "message"} == set(rows[0])
    assert any(r["code"] == "PL106" and r["where"] == "unstated.categories" for r in rows)
    table = runner.invoke(main, ["lint", str(example("cmm-telecoms")), "--format", "md"])
    assert table.stdout.startswith("| Line | Severity | Code | Where | Finding |")
