"""The access package: data.json, one CSV per dataset, report.html; streamed; encryptable."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pledge.dsr.disclosure import disclose
from pledge.dsr.package import PackageWriter
from pledge.dsr.report import Answer, Preview, render
from tests.dsr.declarations import access_declaration

CUSTOMER = [{"id": 7, "email": "Ada@Example.org", "name": "Ada <b>Lovelace</b>", "pic": b"\x00"}]
CALLS = [
    {"customer_id": 7, "callee": "+441632960001", "started_at": datetime(2026, 1, 2, 9, 30)},
    {"customer_id": 7, "callee": "+441632960002", "started_at": datetime(2026, 1, 3, 10, 0)},
]
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def report_for(counts: dict[str, int]) -> Any:
    def report(previews: dict[str, Preview]) -> str:
        answer = Answer("42", NOW, {"email": ["ada@example.org"]}, previews)
        return render(disclose(access_declaration(), counts), answer)

    return report


def write(path: Path, passphrase: str | None = None) -> Path:
    with PackageWriter(path, passphrase=passphrase) as package:
        package.add("crm.customer", [CUSTOMER])
        package.add("network.cdr", [CALLS[:1], CALLS[1:]])
        package.add("network.sms", [])
        return package.finish(
            {"request": "42", "amount": Decimal("1.10")}, report_for(package.counts)
        )


def test_data_json_csv_and_report(tmp_path: Path) -> None:
    path = write(tmp_path / "access-42.zip")
    assert path.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "access-42.zip.part").exists()
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "crm.customer.csv",
            "data.json",
            "network.cdr.csv",
            "report.html",
        ]
        data = json.loads(archive.read("data.json"))
        calls = list(csv.DictReader(io.StringIO(archive.read("network.cdr.csv").decode())))
        report = archive.read("report.html").decode()
    assert data["request"] == "42" and data["amount"] == "1.10"
    assert data["systems"] == {
        "crm": {
            "customer": [
                {"id": 7, "email": "Ada@Example.org", "name": "Ada <b>Lovelace</b>", "pic": "AA=="}
            ]
        },
        "network": {
            "cdr": [
                {"customer_id": 7, "callee": "+441632960001", "started_at": "2026-01-02T09:30:00"},
                {"customer_id": 7, "callee": "+441632960002", "started_at": "2026-01-03T10:00:00"},
            ],
            "sms": [],
        },
    }
    assert calls[1] == {
        "customer_id": "7",
        "callee": "+441632960002",
        "started_at": "2026-01-03T10:00:00",
    }
    # The person's own values are escaped like everything else.
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in report and "<b>Lovelace" not in report
    assert "Northwold &lt;Telecom&gt; Ltd" in report


def test_report_gives_what_article_15_requires(tmp_path: Path) -> None:
    with zipfile.ZipFile(write(tmp_path / "a.zip")) as archive:
        report = archive.read("report.html").decode()
    expected = [
        '<html lang="en-GB">',
        "Provide your phone service",  # purposes (a)
        "Contract (Art. 6(1)(b))",  # lawful basis
        "our interest: stopping fraud",
        "<li>Phone number</li>",  # categories (b)
        "Talkwell",  # recipients (c), abroad with safeguard
        "India (outside the UK)",
        "the UK International Data Transfer Agreement",
        "Inkly",
        "No fixed period is declared",  # retention (d), per dataset
        "ask us to correct information",  # rights (e)
        "ask us to delete your information",
        "https://ico.org.uk/make-a-complaint/",  # complaint to the ICO (f)
        "0303 123 1113",
        "Partner lists we buy",  # source (g)
        "We block suspicious calls automatically",  # automated decisions (h)
        "withdraw it at any time",
        "privacy@northwold.example",
        '<th scope="col">callee</th>',
        "+441632960002",
    ]
    for text in expected:
        assert text in report, text
    # A purpose that uses nothing the person has is not theirs to be told about.
    assert "Watch our shops" not in report
    assert "<li>network.cdr: 12 months after it is recorded, then deleted</li>" in report


def test_a_person_with_no_data_is_told_so_plainly() -> None:
    counts = {"crm.customer": 0, "network.cdr": 0}
    html = render(disclose(access_declaration(), counts), Answer("9", NOW, {"email": ["x@y.z"]}))
    assert "found no personal information about you" in html
    assert "Talkwell" not in html  # nothing held, so nothing shared


def test_encrypted_package_needs_the_passphrase(tmp_path: Path) -> None:
    pyzipper = pytest.importorskip("pyzipper")
    path = write(tmp_path / "secret.zip", passphrase="correct horse battery staple")
    with zipfile.ZipFile(path) as archive, pytest.raises(RuntimeError, match="encrypted"):
        archive.read("data.json")
    with pyzipper.AESZipFile(path) as archive:
        archive.setpassword(b"wrong")
        with pytest.raises(RuntimeError, match="Bad password"):
            archive.read("data.json")
        archive.setpassword(b"correct horse battery staple")
        assert json.loads(archive.read("data.json"))["request"] == "42"
        assert b"Talkwell" in archive.read("report.html")
    assert b"+441632960001" not in path.read_bytes()


def test_an_empty_passphrase_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="passphrase is empty"):
        PackageWriter(tmp_path / "x.zip", passphrase=" ")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_mid_stream_leaves_no_package(tmp_path: Path) -> None:
    def broken() -> Iterator[list[dict[str, Any]]]:
        yield CALLS
        raise ConnectionError("network went away")

    with (
        pytest.raises(ConnectionError),
        PackageWriter(tmp_path / "access.zip") as package,
    ):
        package.add("network.cdr", broken())
    assert list(tmp_path.iterdir()) == []


def test_memory_stays_bounded_on_a_large_dataset(tmp_path: Path) -> None:
    rows = 60_000

    def batches() -> Iterator[list[dict[str, Any]]]:
        for start in range(0, rows, 1000):
            yield [
                {"customer_id": 7, "callee": f"+4416329{n:05d}", "started_at": date(2026, 1, 1)}
                for n in range(start, start + 1000)
            ]

    tracemalloc.start()
    try:
        with PackageWriter(tmp_path / "big.zip") as package:
            assert package.add("network.cdr", batches()) == rows
            package.finish({"request": "1"}, lambda previews: "<html></html>")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # ~4 MB of JSON went through; the writer held one batch and the spool's first MiB.
    assert peak < 3_000_000, peak
    with zipfile.ZipFile(tmp_path / "big.zip") as archive:
        assert len(json.loads(archive.read("data.json"))["systems"]["network"]["cdr"]) == rows
