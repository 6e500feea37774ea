"""The demo company, Northwold Telecom, lints without errors and renders a well-formed
notice and record: the declaration the README sends new users to must pass its own checks."""

from __future__ import annotations

from datetime import date

from pledge.demo.declaration import sqlite_connections, validated
from pledge.notice.compose import SECTION_IDS, compose
from pledge.notice.lint import lint
from pledge.notice.render_html import render_html
from pledge.notice.ropa import record
from tests.notice.test_render import outline


def test_demo_declaration_has_no_lint_errors() -> None:
    _, loaded = validated(sqlite_connections())
    errors = [str(f) for f in lint(loaded) if f.severity == "error"]
    assert errors == []


def test_demo_notice_and_record() -> None:
    _, loaded = validated(sqlite_connections())
    declaration = loaded.declaration
    page = outline(render_html(compose(declaration, date(2026, 11, 22))))
    assert set(SECTION_IDS) <= set(page.ids)
    assert set(page.links) <= set(page.ids)
    assert len(record(declaration).rows) == len(declaration.purposes)
