"""The Art. 30 record: the ICO template's columns in order, one row per purpose, as CSV and
as an .xlsx read back with zipfile."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from pledge.cli import main
from pledge.declaration import load_file, load_text
from pledge.notice.ropa import COLUMNS, record, to_csv, to_xlsx
from pledge.notice.xlsx import column_name
from tests.notice.examples import EXPECTED, example

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_sheet(data: bytes, index: int = 1) -> list[list[str]]:
    """Rows of text from one worksheet of an .xlsx file, placing cells by their reference."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(z.read(name))  # every part is well-formed XML
        root = ElementTree.fromstring(z.read(f"xl/worksheets/sheet{index}.xml"))
    rows: list[list[str]] = []
    for row in root.iterfind(".//m:row", NS):
        cells: dict[str, str] = {}
        for cell in row.iterfind("m:c", NS):
            ref = cell.get("r", "")
            letters = "".join(ch for ch in ref if ch.isalpha())
            cells[letters] = "".join(t.text or "" for t in cell.iterfind(".//m:t", NS))
        width = len(COLUMNS)
        rows.append([cells.get(column_name(i), "") for i in range(width)])
    return rows


def test_columns_are_the_ico_template_a_to_ad() -> None:
    assert len(COLUMNS) == 30
    assert column_name(len(COLUMNS) - 1) == "AD"
    assert COLUMNS[:2] == ("Business function", "Purpose of processing")
    assert COLUMNS[11] == "Article 6 lawful basis for processing personal data"
    assert COLUMNS[-1] == "Reasons for not adhering to policy document (if applicable)"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_xlsx_has_the_template_columns_and_one_row_per_purpose(name: str) -> None:
    declaration = load_file(example(name)).declaration
    data = to_xlsx(record(declaration))
    rows = read_sheet(data)
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == len(declaration.purposes) + 1
    assert [r[1] for r in rows[1:]] == [p.description for p in declaration.purposes.values()]
    assert rows[1:] == record(declaration).rows
    controller = read_sheet(data, 2)
    assert controller[1][:2] == ["Name", declaration.controller.name]


def test_row_content_for_a_purpose() -> None:
    kcom = load_file(example("kcom-2019")).declaration
    rows = {r[1]: dict(zip(COLUMNS, r, strict=True)) for r in record(kcom).rows}
    recruit = rows["Consider your application for a job with us"]
    assert recruit["Categories of individuals"] == "Job applicants"
    assert "eArcu (Arcu Limited)" in recruit["Categories of recipients"]
    assert "600 days after the last activity" in recruit["Retention schedule (if possible)"]
    assert recruit["Article 6 lawful basis for processing personal data"] == (
        "Contract (Art. 6(1)(b))"
    )
    assert "Portability" in recruit["Rights available to individuals"]
    health = rows[
        "Meet needs arising from your health or a disability (engineer visits, bills in Braille)"
    ]
    assert health["Article 9 condition for processing special category data"] == (
        "your explicit consent"
    )
    assert health["GDPR Article 6 lawful basis for processing"] == "Consent (Art. 6(1)(a))"
    analytics = rows["Understand how our websites are used and improve them"]
    assert "United States (Marketo Incorporated)" in analytics[COLUMNS[7]]
    assert "Marketo Incorporated: None stated" in analytics[COLUMNS[8]]


def test_xlsx_survives_awkward_text() -> None:
    text = (
        'controller: {name: "A & B <Ltd> \\x01", address: 1 Road}\n'
        'purposes: {p: {description: "Tabs\\tand \\"quotes\\" & <tags>", '
        "lawful_basis: contract}}\n"
    )
    rows = read_sheet(to_xlsx(record(load_text(text).declaration)))
    assert rows[1][1] == 'Tabs\tand "quotes" & <tags>'


def test_csv_has_one_row_per_purpose_even_without_categories() -> None:
    declaration = load_file(example("cmm-telecoms")).declaration
    rows = list(csv.reader(io.StringIO(to_csv(record(declaration)))))
    assert len(rows) == len(declaration.purposes) + 1


def test_cli_writes_csv_and_xlsx(tmp_path: Path) -> None:
    runner = CliRunner()
    path = str(example("konnect-communities-2021"))
    as_csv = runner.invoke(main, ["ropa", path])
    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.output.startswith("Business function,Purpose of processing,")
    out = tmp_path / "ropa.xlsx"
    as_xlsx = runner.invoke(main, ["ropa", path, "--format", "xlsx", "--out", str(out)])
    assert as_xlsx.exit_code == 0, as_xlsx.output
    assert len(read_sheet(out.read_bytes())) == 11
    missing = runner.invoke(main, ["ropa", path, "--out", str(tmp_path / "no" / "x.csv")])
    assert missing.exit_code == 1
    assert "cannot write" in missing.output


def test_cells_that_would_run_as_formulas_are_quoted_in_csv_and_xlsx() -> None:
    text = (
        "controller: {name: Acme, address: 1 Road}\n"
        'purposes: {p: {description: \'=HYPERLINK("http://evil.example","x")\', '
        "lawful_basis: contract}, q: {description: '-2+3+cmd', lawful_basis: contract}}\n"
    )
    rec = record(load_text(text).declaration)
    for rows in (list(csv.reader(io.StringIO(to_csv(rec)))), read_sheet(to_xlsx(rec))):
        described = {row[1] for row in rows[1:]}
        assert described == {'\'=HYPERLINK("http://evil.example","x")', "'-2+3+cmd"}
