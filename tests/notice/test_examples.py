"""Each reference declaration: valid, round-trips, lints to its gap report, and its notice
and record name everything it declares."""

from __future__ import annotations

import csv
import io
from datetime import date
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from pledge.cli import main
from pledge.declaration import dump, load_file, load_text
from pledge.notice.compose import compose
from pledge.notice.lint import RULES, counts, lint, to_markdown
from pledge.notice.render_html import render_html
from pledge.notice.render_md import render_md
from pledge.notice.ropa import COLUMNS, record, to_csv
from tests.notice.examples import EXAMPLES, EXPECTED, example

NAMES = sorted(EXPECTED)


def test_every_example_folder_has_expectations() -> None:
    folders = {p.parent.name for p in EXAMPLES.glob("*/pledge.yaml")}
    assert set(NAMES) <= folders


@pytest.mark.parametrize("name", NAMES)
def test_check_passes_and_round_trips(name: str) -> None:
    result = CliRunner().invoke(main, ["check", str(example(name))])
    assert result.exit_code == 0, result.output
    declaration = load_file(example(name)).declaration
    assert load_text(dump(declaration)).declaration == declaration


@pytest.mark.parametrize("name", NAMES)
def test_lint_gives_the_expected_findings(name: str) -> None:
    findings = lint(load_file(example(name)))
    assert counts(findings) == EXPECTED[name]
    assert all(f.place is not None and f.place.line > 0 for f in findings)
    result = CliRunner().invoke(main, ["lint", str(example(name))])
    errors = any(RULES[code].severity == "error" for code in EXPECTED[name])
    assert result.exit_code == (1 if errors else 0), result.output


@pytest.mark.parametrize("name", NAMES)
def test_every_unstated_topic_is_reported_at_its_entry(name: str) -> None:
    loaded = load_file(example(name))
    reported = {f.where for f in lint(loaded)}
    for topic in loaded.declaration.unstated:
        assert f"unstated.{topic}" in reported


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@pytest.mark.parametrize("name", NAMES)
def test_notice_names_every_purpose_recipient_and_period(name: str) -> None:
    declaration = load_file(example(name)).declaration
    notice = compose(declaration, date(2026, 11, 22))
    parser = _Text()
    parser.feed(render_html(notice))
    page = " ".join("".join(parser.parts).split())
    markdown = render_md(notice)
    for purpose in declaration.purposes.values():
        assert " ".join(purpose.description.split()) in page
    for recipient in declaration.recipients.values():
        assert recipient.name in page
    for rule in declaration.retention.values():
        assert str(rule.keep) in page
        assert rule.description is None or rule.description in page
    for purpose in declaration.purposes.values():
        if purpose.retention_criteria:
            assert " ".join(purpose.retention_criteria.split()) in page
    assert notice.version in page and notice.version in markdown
    assert "22 November 2026" in page


@pytest.mark.parametrize("name", NAMES)
def test_ropa_has_one_row_per_purpose(name: str) -> None:
    declaration = load_file(example(name)).declaration
    rows = list(csv.reader(io.StringIO(to_csv(record(declaration)))))
    assert tuple(rows[0]) == COLUMNS
    assert [r[1] for r in rows[1:]] == [p.description for p in declaration.purposes.values()]
    assert all(len(r) == len(COLUMNS) for r in rows)


@pytest.mark.parametrize("name", NAMES)
def test_the_gap_report_in_the_docs_is_current(name: str) -> None:
    docs = EXAMPLES.parent / "docs" / "reference-notices.md"
    assert to_markdown(lint(load_file(example(name)))) in docs.read_text(encoding="utf-8")
