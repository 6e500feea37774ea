"""The privacy notice as structured content: sections of paragraphs, lists and tables.

Both renderers (HTML, Markdown) draw the same content, so what the notice says is decided
once, here and in ``compose.py``; the renderers only decide how it looks. Strings in the
content are plain text, never markup: each renderer escapes them for its own format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from pledge.declaration.model import Contact


@dataclass(frozen=True)
class Link:
    """Link text and where it goes (http, https, mailto or tel)."""

    text: str
    href: str


Inline = str | Link
#: A run of text: plain strings and links, in order.
Text = tuple[Inline, ...]


@dataclass(frozen=True)
class Paragraph:
    text: Text


@dataclass(frozen=True)
class Bullets:
    items: list[Text]


@dataclass(frozen=True)
class Table:
    """A table whose first column names each row (it is the row's header)."""

    caption: str
    headers: list[str]
    rows: list[list[Text]]


Block = Paragraph | Bullets | Table


@dataclass(frozen=True)
class Section:
    """A headed part of the notice; ``id`` is its anchor in the contents list."""

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)


@dataclass(frozen=True)
class Notice:
    """A whole privacy notice."""

    title: str
    controller: str
    version: str
    date: date
    sections: list[Section]

    def all_sections(self) -> list[Section]:
        """Every section and subsection, in reading order."""
        out: list[Section] = []
        for section in self.sections:
            out.append(section)
            out.extend(section.subsections)
        return out


def text(*parts: Inline | None) -> Text:
    """A run of text from its parts, leaving out the ones that are None or empty."""
    return tuple(p for p in parts if p)


def plain(run: Text) -> str:
    """The words of a run of text without its links' targets."""
    return "".join(p if isinstance(p, str) else p.text for p in run)


def web_link(url: str, label: str | None = None) -> Link:
    """A link to a web address; "www.x.com" gets its https:// added."""
    href = url if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE) else f"https://{url}"
    return Link(label or url, href)


def contact_lines(contact: Contact) -> list[Text]:
    """One line per way of reaching ``contact``: name, email, phone, address, web."""
    lines: list[Text] = []
    who = " - ".join(x for x in (contact.title, contact.name) if x)
    if who:
        lines.append(text(who))
    if contact.email:
        lines.append(text("Email: ", Link(contact.email, f"mailto:{contact.email}")))
    if contact.phone:
        lines.append(text(f"Phone: {contact.phone}"))
    if contact.address:
        lines.append(text(f"Post: {contact.address}"))
    if contact.web:
        lines.append(text("Online: ", web_link(contact.web)))
    return lines


def slug(value: str, taken: set[str]) -> str:
    """An anchor id made from ``value``, unique among ``taken`` (which it joins)."""
    base = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "section"
    candidate, count = base, 2
    while candidate in taken:
        candidate, count = f"{base}-{count}", count + 1
    taken.add(candidate)
    return candidate


def paragraphs(body: str) -> list[Block]:
    """Free text split into paragraphs at blank lines."""
    parts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body)]
    return [Paragraph(text(p)) for p in parts if p]
