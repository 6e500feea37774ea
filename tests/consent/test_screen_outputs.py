"""Screened lists are spreadsheet-safe, and a bad --out folder is a clear error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.consent.test_cli import DECLARATION, ok, run


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "pledge.yaml").write_text(DECLARATION)
    ok(run(tmp_path, "db", "upgrade"))
    (tmp_path / "people.csv").write_text(
        "id,email,name\n"
        '1,a@x.example,"=HYPERLINK(""http://evil.example"",""x"")"\n'
        "2,b@x.example,-2+3+cmd\n"
        "-7,c@x.example,+441632960123\n"
    )
    ok(run(tmp_path, "consent", "grant", "a@x.example", "--purpose", "news", "--channel", "email"))
    return tmp_path


def screen(folder: Path, *more: str) -> tuple[int, str]:
    result = run(
        folder,
        "screen",
        str(folder / "people.csv"),
        "--channel",
        "email",
        "--purpose",
        "news",
        "--carry",
        "name",
        *more,
    )
    return result.exit_code, result.output


def test_screened_csv_cells_cannot_run(folder: Path) -> None:
    code, output = screen(folder)
    assert code == 0, output
    allowed = (folder / "people.allowed.csv").read_text().splitlines()
    excluded = (folder / "people.excluded.csv").read_text().splitlines()
    assert allowed == [
        "id,email,name,reason",
        '1,a@x.example,"\'=HYPERLINK(""http://evil.example"",""x"")",consent',
    ]
    assert excluded == [
        "id,email,name,reason",
        "2,b@x.example,'-2+3+cmd,no-consent",
        "-7,c@x.example,+441632960123,no-consent",
    ]


@pytest.mark.parametrize("out", ["missing", "people.csv", "people.csv/sub"])
def test_a_missing_output_folder_is_a_clear_error(folder: Path, out: str) -> None:
    code, output = screen(folder, "--out", str(folder / out))
    assert code == 2
    assert "--out" in output and str(folder / out) in output
    assert "Traceback" not in output and "IO Error" not in output
    assert not (folder / "people.allowed.csv").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in any folder; run as a user")
def test_an_unwritable_output_folder_is_a_clear_error(folder: Path) -> None:
    locked = folder / "locked"
    locked.mkdir(mode=0o500)
    code, output = screen(folder, "--out", str(locked))
    assert code == 2 and "cannot write in" in output
