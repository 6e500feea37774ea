"""The notice as one accessible HTML page: one h1, h2 and h3 in order, a contents list,
tables with header cells, readable without its few lines of CSS. Every string from the
declaration is escaped."""

from __future__ import annotations

from html import escape

from pledge.notice.content import Block, Bullets, Link, Notice, Paragraph, Section, Table, Text

SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")

_STYLE = """\
body{font-family:system-ui,sans-serif;line-height:1.5;max-width:48rem;margin:0 auto;\
padding:1rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #999;padding:.4rem;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:bold;padding:.4rem 0}
a{color:#0b4f9c}"""


def render_html(notice: Notice) -> str:
    """The notice as a complete HTML document (UTF-8 text)."""
    title = escape(notice.title)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{title}</h1>",
        f"<p>Version {escape(notice.version)}, dated "
        f'<time datetime="{notice.date.isoformat()}">{_day(notice)}</time>.</p>',
        "</header>",
        '<nav aria-labelledby="contents">',
        '<h2 id="contents">Contents</h2>',
        "<ol>",
    ]
    for section in notice.sections:
        out.append(f'<li><a href="#{escape(section.id)}">{escape(section.title)}</a>')
        if section.subsections:
            out.append("<ul>")
            out.extend(
                f'<li><a href="#{escape(s.id)}">{escape(s.title)}</a></li>'
                for s in section.subsections
            )
            out.append("</ul>")
        out.append("</li>")
    out += ["</ol>", "</nav>", "<main>"]
    for section in notice.sections:
        out.extend(_section(section, 2))
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def _day(notice: Notice) -> str:
    return f"{notice.date.day} {notice.date:%B %Y}"


def _section(section: Section, level: int) -> list[str]:
    out = [
        f'<section id="{escape(section.id)}">',
        f"<h{level}>{escape(section.title)}</h{level}>",
    ]
    for block in section.blocks:
        out.append(_block(block))
    for sub in section.subsections:
        out.extend(_section(sub, level + 1))
    out.append("</section>")
    return out


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_text(block.text)}</p>"
    if isinstance(block, Bullets):
        items = "".join(f"<li>{_text(item)}</li>" for item in block.items)
        return f"<ul>{items}</ul>"
    return _table(block)


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in table.headers)
    rows = []
    for row in table.rows:
        first, *rest = row
        cells = "".join(f"<td>{_text(cell)}</td>" for cell in rest)
        rows.append(f'<tr><th scope="row">{_text(first)}</th>{cells}</tr>')
    return (
        f"<table>\n<caption>{escape(table.caption)}</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    )


def _text(run: Text) -> str:
    return "".join(_link(p) if isinstance(p, Link) else escape(p) for p in run)


def _link(link: Link) -> str:
    if not link.href.lower().startswith(SAFE_SCHEMES):
        return escape(link.text)
    return f'<a href="{escape(link.href, quote=True)}">{escape(link.text)}</a>'
