"""The SQL phone normaliser agrees with the shared Python one wherever it gives an answer."""

from __future__ import annotations

import duckdb
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pledge.consent.phones import e164_sql, fill_leftovers, normalise_phone

DIGITS = st.text("0123456789", min_size=6, max_size=13)
LAYOUTS = st.sampled_from(
    [
        "0{}",
        "+44{}",
        "0044{}",
        "+44 {}",
        "({})",
        "{}",
        "44{}",
        "+44 (0){}",
        "0{}-1",
        " 0{} ",
        "+1{}",
    ]
)


@settings(max_examples=300, deadline=None)
@given(digits=DIGITS, layout=LAYOUTS)
@example(digits="1632960123", layout="0{}")
@example(digits="7911 123 456", layout="+44 {}")
def test_sql_agrees_with_python(digits: str, layout: str) -> None:
    raw = layout.format(digits)
    found = duckdb.execute(f"SELECT {e164_sql('$p')}", {"p": raw}).fetchone()
    assert found is not None
    if found[0] is not None:
        assert found[0] == normalise_phone(raw)


def test_leftovers_go_through_python() -> None:
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE t AS SELECT unnest(['+1 415 555 0100', '+44 (0)7911 123456', 'nope', "
        "'01632 960123']) AS raw"
    )
    connection.execute(
        f"ALTER TABLE t ADD COLUMN e164 VARCHAR; UPDATE t SET e164 = {e164_sql('raw')}"
    )
    fill_leftovers(connection, "t", "raw", "e164")
    assert connection.execute("SELECT e164 FROM t").fetchall() == [
        ("+14155550100",),
        ("+447911123456",),
        (None,),
        ("+441632960123",),
    ]
