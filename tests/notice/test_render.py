"""The HTML notice's structure (one h1, no skipped heading level, every section, contents
links that resolve, table headers, language) and escaping in both renderers."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest

from pledge.declaration import load_file, load_text
from pledge.notice.compose import SECTION_IDS, compose
from pledge.notice.render_html import render_html
from pledge.notice.render_md import render_md
from tests.declaration.test_errors import BASE
from tests.notice.examples import EXPECTED, example

ON = date(2026, 11, 22)


class Outline(HTMLParser):
    """Headings, ids, in-page links, table header cells and the page language."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.header_scopes: list[str | None] = []
        self.lang: str | None = None
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = found.get("lang")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if found.get("id"):
            self.ids.append(str(found["id"]))
        href = found.get("href")
        if tag == "a" and href and href.startswith("#"):
            self.links.append(href[1:])
        if tag == "th":
            self.header_scopes.append(found.get("scope"))


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_html_structure(name: str) -> None:
    page = outline(render_html(compose(load_file(example(name)).declaration, ON)))
    assert page.lang == "en-GB"
    assert page.headings.count(1) == 1 and page.headings[0] == 1
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"heading level skips from h{before} to h{after}"
    assert set(SECTION_IDS) <= set(page.ids)
    assert len(page.ids) == len(set(page.ids)), "ids must be unique"
    assert page.links and set(page.links) <= set(page.ids)
    assert page.header_scopes and all(s in ("col", "row") for s in page.header_scopes)
    assert {"nav", "main", "table", "caption"} <= set(page.tags)


def test_sections_come_in_order_with_free_text_before_the_version() -> None:
    declaration = load_file(example("kcom-2019")).declaration
    ids = [s.id for s in compose(declaration, ON).sections]
    fixed = [i for i in ids if i in SECTION_IDS]
    assert fixed == list(SECTION_IDS)
    assert ids[-1] == "version"
    assert ids[-3:-1] == ["notice-cookies", "notice-service-updates"]


HOSTILE = BASE.replace(
    "name: Northwold Telecom Ltd",
    'name: "Evil <script>alert(1)</script> & Co | *Ltd* [x](y)"\n'
    '  privacy_centre: "javascript:alert(1)"',
).replace("service: Debt collection", 'service: "<b>bold</b>"')


def test_html_escapes_every_declaration_string() -> None:
    html = render_html(compose(load_text(HOSTILE).declaration, ON))
    assert "<script>" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert 'href="javascript' not in html


def test_markdown_escapes_and_keeps_links_safe() -> None:
    md = render_md(compose(load_text(HOSTILE).declaration, ON))
    assert r"\<script\>" in md and r"\*Ltd\*" in md and r"\[x\](y)" in md
    assert "](javascript" not in md
    assert r"\| \*Ltd\*" in md
    title = md.splitlines()[0]
    assert title.startswith("# Privacy notice: Evil")


def test_markdown_contents_point_at_headings() -> None:
    md = render_md(compose(load_file(example("konnect-communities-2021")).declaration, ON))
    assert "1. [Who we are](#who-we-are)" in md
    assert "\n## Who we are\n" in md
    assert "\n### Visitors to our website\n" in md


def test_notice_without_purposes_says_so_plainly() -> None:
    bare = load_text("controller: {name: A Ltd, address: 1 Road}").declaration
    html = render_html(compose(bare, ON))
    assert "does not list the purposes" in html
    assert "We do not send you direct marketing." in html
    assert "ico.org.uk/make-a-complaint" in html and "0303 123 1113" in html
