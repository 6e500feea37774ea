"""The file connector's rewrite: other people's values kept exactly, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledge.connectors import Delete, QueryFailed, Select, SystemUnavailable, Update, connect
from pledge.declaration.model import System

CSV = "id;phone;name\n1;01482 123456;Ann\n2;07700900123;Bob\n3;+441482654321;Cy\n"


def test_rewrite_keeps_delimiter_and_other_rows_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(CSV)
    connector = connect(
        "exports", System(connection="duckdb:///.", datasets={}), environ={}, folder=tmp_path
    )
    assert connector.execute([Delete("people", "id", [2])]) == [1]
    # Leading zeros and spaces survive because CSV columns are read as text.
    assert (
        tmp_path / "people.csv"
    ).read_text() == "id;phone;name\n1;01482 123456;Ann\n3;+441482654321;Cy\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv"]


def test_failed_rewrite_changes_no_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(CSV)
    (tmp_path / "other.csv").write_text("id,x\n1,a\n")
    connector = connect(
        "exports", System(connection="duckdb:///.", datasets={}), environ={}, folder=tmp_path
    )
    with pytest.raises(QueryFailed, match="no file was changed"):
        connector.execute(
            [
                Delete("other", "id", [1]),
                Update("people", "id", [1], set_to={"missing": None}),
            ]
        )
    assert (tmp_path / "people.csv").read_text() == CSV
    assert (tmp_path / "other.csv").read_text() == "id,x\n1,a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.csv", "people.csv"]


def test_a_dataset_in_two_formats_is_refused(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(CSV)
    (tmp_path / "people.parquet").write_bytes(b"")
    connector = connect(
        "exports", System(connection="duckdb:///.", datasets={}), environ={}, folder=tmp_path
    )
    with pytest.raises(QueryFailed, match=r"both people.parquet and people\.csv; keep one"):
        list(connector.read(Select("people", "id", [1])))


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        SystemUnavailable, match=r"system 'exports': the data folder .*nope does not exist"
    ):
        connect(
            "exports", System(connection="duckdb:///nope", datasets={}), environ={}, folder=tmp_path
        )
