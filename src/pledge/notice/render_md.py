"""The notice as Markdown: the same content as the HTML page, for wikis and repositories.
Every string from the declaration is escaped so that it shows as written."""

from __future__ import annotations

import re

from pledge.notice.content import Block, Bullets, Link, Notice, Paragraph, Section, Table, Text
from pledge.notice.render_html import SAFE_SCHEMES

_SPECIAL = re.compile(r"([\\`*_\[\]<>|{}#~])")


def render_md(notice: Notice) -> str:
    """The notice as Markdown text; headings are #, ## and ###, with a contents list."""
    anchors: dict[str, str] = {}
    taken: dict[str, int] = {}
    for section in notice.all_sections():
        anchors[section.id] = _anchor(section.title, taken)
    out = [
        f"# {escape(notice.title)}",
        "",
        f"Version {escape(notice.version)}, dated {notice.date.day} {notice.date:%B %Y}.",
        "",
        "## Contents",
        "",
    ]
    for index, section in enumerate(notice.sections, start=1):
        out.append(f"{index}. [{escape(section.title)}](#{anchors[section.id]})")
        out.extend(f"   - [{escape(s.title)}](#{anchors[s.id]})" for s in section.subsections)
    out.append("")
    for section in notice.sections:
        out.extend(_section(section, 2))
    return "\n".join(out).rstrip("\n") + "\n"


def escape(value: str) -> str:
    """``value`` with Markdown's special characters backslash-escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", value))


def _anchor(title: str, taken: dict[str, int]) -> str:
    # The anchors GitHub and most renderers generate from heading text.
    base = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
    count = taken.get(base, 0)
    taken[base] = count + 1
    return base if count == 0 else f"{base}-{count}"


def _section(section: Section, level: int) -> list[str]:
    out = [f"{'#' * level} {escape(section.title)}", ""]
    for block in section.blocks:
        out.extend([_block(block), ""])
    for sub in section.subsections:
        out.extend(_section(sub, level + 1))
    return out


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return _text(block.text)
    if isinstance(block, Bullets):
        return "\n".join(f"- {_text(item)}" for item in block.items)
    return _table(block)


def _table(table: Table) -> str:
    lines = [
        f"**{escape(table.caption)}**",
        "",
        "| " + " | ".join(escape(h) for h in table.headers) + " |",
        "|" + "---|" * len(table.headers),
    ]
    lines.extend("| " + " | ".join(_text(cell) for cell in row) + " |" for row in table.rows)
    return "\n".join(lines)


def _text(run: Text) -> str:
    return "".join(_link(p) if isinstance(p, Link) else escape(p) for p in run)


def _link(link: Link) -> str:
    if not link.href.lower().startswith(SAFE_SCHEMES):
        return escape(link.text)
    href = link.href
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        href = href.replace(char, code)
    return f"[{escape(link.text)}]({href})"
