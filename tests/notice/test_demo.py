"""The demo company, Northwold Telecom, lints clean and renders a well-formed notice and
record: the declaration the README sends new users to must pass its own checks, with not
even a warning or a note, both as data and as `pledge lint` sees a generated estate."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pledge.cli import main
from pledge.demo.declaration import sqlite_connections, validated
from pledge.notice.compose import SECTION_IDS, compose
from pledge.notice.lint import lint
from pledge.notice.render_html import render_html
from pledge.notice.ropa import record
from tests.notice.test_render import outline


def test_demo_declaration_has_no_lint_findings() -> None:
    _, loaded = validated(sqlite_connections())
    assert [str(f) for f in lint(loaded)] == []


def test_pledge_lint_on_a_generated_demo_finds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    made = runner.invoke(
        main, ["demo", "generate", "--customers", "20", "--out", str(tmp_path / "nw")], env={}
    )
    assert made.exit_code == 0, made.output
    monkeypatch.chdir(tmp_path / "nw")
    linted = runner.invoke(main, ["lint", "--format", "json"], env={})
    assert linted.exit_code == 0, linted.output
    assert json.loads(linted.stdout) == []
    assert "0 errors, 0 warnings, 0 info" in linted.stderr


def test_demo_notice_and_record() -> None:
    _, loaded = validated(sqlite_connections())
    declaration = loaded.declaration
    page = outline(render_html(compose(declaration, date(2026, 11, 22))))
    assert set(SECTION_IDS) <= set(page.ids)
    assert set(page.links) <= set(page.ids)
    assert len(record(declaration).rows) == len(declaration.purposes)
