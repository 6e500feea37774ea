"""The one rule for spreadsheet cells and zip member names, in Python and in DuckDB SQL."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.outputs import FORMULA_STARTS, cell, cell_sql, cells, member_name


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("+", "'+"),
        ("-1e9", "'-1e9"),
        # Plain numbers cannot call anything; quoting them would spoil phones and amounts.
        ("+441632960123", "+441632960123"),
        ("-42", "-42"),
        ("-0.5", "-0.5"),
        # Anything else is left alone, whatever it holds after the first character.
        ("Ada Lovelace", "Ada Lovelace"),
        ("a=1+1", "a=1+1"),
        (" =1+1", " =1+1"),
        ("", ""),
    ],
)
def test_cell(value: str, written: str) -> None:
    assert cell(value) == written


def test_cells_leave_numbers_held_as_numbers_alone() -> None:
    assert cells([-5, -0.5, None, True, "-5", "=A1"]) == [-5, -0.5, None, True, "-5", "'=A1"]


_TEXT = st.text(alphabet=st.sampled_from([*FORMULA_STARTS, "0", "1", ".", "a", "(", "'"]))


@given(st.lists(_TEXT, min_size=1, max_size=30))
def test_the_sql_rule_is_the_python_rule(values: list[str]) -> None:
    with duckdb.connect() as connection:
        connection.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
        connection.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
        connection.execute("INSERT INTO t VALUES (-1, NULL)")
        found = connection.execute(f"SELECT i, {cell_sql('v')} FROM t ORDER BY i").fetchall()
    assert found == [(-1, None), *((i, cell(v)) for i, v in enumerate(values))]


@pytest.mark.parametrize(
    ("segments", "name"),
    [
        (("crm.customer.csv",), "crm.customer.csv"),
        (("files", "crm", "customer", "2026", "call.wav"), "files/crm/customer/2026/call.wav"),
        (("../../etc/passwd",), ".._.._etc_passwd"),
        (("files", "..", "x"), "files/_/x"),
        (("files", ".", ""), "files/_/_"),
        (("/etc", "passwd"), "_etc/passwd"),
        (("..\\..\\Windows\\evil.bat",), ".._.._Windows_evil.bat"),
        (("C:", "evil"), "C_/evil"),
        (("a\x00b\nc",), "a_b_c"),
    ],
)
def test_member_name(segments: tuple[str, ...], name: str) -> None:
    assert member_name(*segments) == name


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_a_member_name_never_leaves_its_folder(segments: list[str]) -> None:
    name = member_name(*segments)
    parts = name.split("/")
    assert len(parts) == len(segments)
    assert not name.startswith("/") and "\\" not in name and ":" not in name
    assert all(part not in ("", ".", "..") for part in parts)
