"""``report.html``: the access answer a person reads. One accessible page: one h1, headings in
order, tables with captions and header cells, no script, readable without its CSS. Every value,
from the declaration or from the person's own rows, is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from pledge.dsr.disclosure import Disclosure

_STYLE = """\
body{font-family:system-ui,sans-serif;line-height:1.5;max-width:60rem;margin:0 auto;\
padding:1rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%;margin-bottom:1rem}
th,td{border:1px solid #999;padding:.3rem;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:bold;padding:.3rem 0}
.abroad{font-weight:bold}
.wide{overflow-x:auto}"""


@dataclass(frozen=True)
class Preview:
    """The first rows of one dataset, shown in the report; all of them are in the files."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    total: int
    file: str | None


@dataclass(frozen=True)
class PackagedFile:
    """A file one of the person's rows names (a ``file_root`` field), and whether it is in the
    package: "included" (at ``member``), "missing" (not on disk) or "outside-root" (the stored
    path leaves its declared folder, so it was not read)."""

    dataset: str
    field: str
    stored: str
    status: str
    member: str | None = None


@dataclass(frozen=True)
class Answer:
    """What the report is about: which request, for whom, and what was found."""

    request: str
    generated: datetime
    identities: Mapping[str, Sequence[str]]
    previews: Mapping[str, Preview] = field(default_factory=dict)
    files: Sequence[PackagedFile] = ()


def render(disclosure: Disclosure, answer: Answer) -> str:
    """The whole report as one HTML document."""
    title = f"Your personal information held by {disclosure.controller}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_e(title)}</h1>",
        f"<p>This is our answer to your request {_e(answer.request)} for a copy of your "
        f'personal information, prepared on <time datetime="{answer.generated.isoformat()}">'
        f"{answer.generated:%d %B %Y}</time>. We searched for: "
        f"{_e(_identities(answer.identities))}.</p>",
        "<p>The same information is in <code>data.json</code> and in one CSV file per table "
        "in this package, in forms a computer can read and you can take elsewhere.</p>",
    ]
    out += _data(disclosure, answer)
    out += _about(disclosure)
    out += _rights(disclosure)
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def _data(disclosure: Disclosure, answer: Answer) -> list[str]:
    out = ['<h2 id="data">What we hold about you</h2>']
    if not disclosure.holds_data:
        out.append(
            "<p>We searched every system listed below and found no personal "
            "information about you.</p>"
        )
    out += _table(
        "Where we searched",
        ["Where", "What it is", "Your records", "File"],
        [
            [
                f.dotted,
                f.description or "",
                str(f.rows),
                (answer.previews[f.dotted].file or "") if f.dotted in answer.previews else "",
            ]
            for f in disclosure.found
        ],
    )
    for dotted, preview in answer.previews.items():
        if not preview.total:
            continue
        shown = len(preview.rows)
        caption = f"{dotted}: {preview.total} record(s)"
        if shown < preview.total:
            caption += f", the first {shown} shown here; all are in {preview.file or 'data.json'}"
        out.append('<div class="wide">')
        out += _table(caption, preview.columns, preview.rows)
        out.append("</div>")
    if answer.files:
        out += _table(
            "Files your records name (recordings, documents)",
            ["Where", "Field", "File", "In this package"],
            [[f.dataset, f.field, f.stored, _file_status(f)] for f in answer.files],
        )
    return out


def _file_status(item: PackagedFile) -> str:
    if item.status == "included":
        return item.member or ""
    if item.status == "missing":
        return "Missing: our records name this file but it was not found, so it is not included"
    return "Not included: the stored location is outside the folder this file should be in"


def _about(d: Disclosure) -> list[str]:
    out = ['<h2 id="why">Why we use it and on what lawful basis</h2>']
    if d.purposes:
        rows = []
        for p in d.purposes:
            basis = p.basis
            if p.condition:
                basis += f"; for special category data: {p.condition}"
            if p.legitimate_interest:
                basis += f"; our interest: {p.legitimate_interest}"
            rows.append([p.description, basis, ", ".join(p.categories), ", ".join(p.rights)])
        out += _table("Purposes", ["Purpose", "Lawful basis", "Information", "Your rights"], rows)
    else:
        out.append("<p>We hold nothing about you, so we use nothing about you.</p>")
    out += ['<h2 id="categories">The kinds of information</h2>', _list(d.categories or ["None"])]
    out.append('<h2 id="recipients">Who receives it</h2>')
    if d.recipients:
        out += _table(
            "Recipients",
            ["Recipient", "Service", "Country", "How a transfer abroad is protected"],
            [
                [
                    r.name,
                    r.service,
                    r.country + (" (outside the UK)" if r.abroad else ""),
                    r.safeguard or "Not needed: in the UK",
                ]
                for r in d.recipients
            ],
        )
    else:
        out.append("<p>We do not share your information with anyone else.</p>")
    out.append('<h2 id="retention">How long we keep it</h2>')
    out += (
        _table(
            "Retention by kind of information",
            ["Information", "Where it is held, and for how long"],
            [[r.category, [f"{where}: {how}" for where, how in r.kept]] for r in d.retention],
        )
        if d.retention
        else ["<p>We hold nothing about you, so we keep nothing.</p>"]
    )
    out += ['<h2 id="sources">Where it came from</h2>', _list(d.sources)]
    out += ['<h2 id="automated">Automated decisions</h2>', _list(d.automated_decisions)]
    return out


def _rights(d: Disclosure) -> list[str]:
    out = ['<h2 id="rights">Your rights and how to use them</h2>', "<p>You can:</p>", "<ul>"]
    out += [f"<li><strong>{_e(name)}</strong>: {_e(meaning)}.</li>" for name, meaning in d.rights]
    out.append("</ul>")
    out.append(f"<p>To use any of these rights, contact {_e(d.how_to_ask)}.</p>")
    if d.withdraw_consent:
        out.append(
            "<p>Where we rely on your consent you can withdraw it at any time, without "
            f"affecting what we did before: contact {_e(d.withdraw_consent)}.</p>"
        )
    if d.dpo:
        out.append(f"<p>Our data protection officer: {_e(d.dpo)}.</p>")
    out.append('<h2 id="complain">If you are unhappy</h2>')
    if d.complaints:
        out.append(f"<p>You can complain to us: {_e(d.complaints)}.</p>")
    url, phone, address = d.ico
    out.append(
        "<p>You have the right to complain to the Information Commissioner's Office (ICO), "
        f'the UK regulator: <a href="{_e(url)}">{_e(url)}</a>, telephone {_e(phone)}, '
        f"or write to {_e(address)}.</p>"
    )
    out.append(f"<p>{_e(d.controller)}, {_e(d.controller_address)}.</p>")
    return out


def _table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    out = ["<table>", f"<caption>{_e(caption)}</caption>", "<thead><tr>"]
    out += [f'<th scope="col">{_e(h)}</th>' for h in headers]
    out.append("</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{_cell(cell)}</td>" for cell in row) + "</tr>")
    out += ["</tbody>", "</table>"]
    return out


def _cell(value: Any) -> str:
    # A list in a cell reads better as a list than as one run-on sentence.
    if isinstance(value, list):
        return _list(value)
    return _e(value)


def _list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"


def _identities(identities: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(f"{kind.replace('_', ' ')} {', '.join(v)}" for kind, v in identities.items())


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)
