"""TPS/CTPS files: CRLF fixed-width numbers, change files, malformed lines, freshness."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.consent.registers import Allowance, RegisterStale, check_fresh, load, parse
from pledge.store.consent_tables import RegisterLoadRow, RegisterNumberRow
from pledge.store.database import session_factory
from pledge.store.tables import utc_now


def write(path: Path, lines: list[str]) -> Path:
    path.write_bytes("".join(f"{line}\r\n" for line in lines).encode())
    return path


def numbers(engine: Engine, register: str) -> set[str]:
    with engine.connect() as connection:
        query = sa.select(RegisterNumberRow.number).where(RegisterNumberRow.register == register)
        return set(connection.scalars(query))


def test_full_file_with_malformed_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "tps.txt",
        ["01632960123", "07911123456", "", "0163296O123", "07911123456", "  02079460000 ", "12x"],
    )
    parsed = parse(path, "full")
    assert parsed.added == ["+441632960123", "+442079460000", "+447911123456"]
    assert parsed.malformed == 3
    assert parsed.problems == [(3, ""), (4, "0163296O123"), (7, "12x")]


def test_change_file_adds_and_deletes(tmp_path: Path) -> None:
    path = write(
        tmp_path / "change.txt",
        [
            "A01632960123",
            "D07911123456",
            "X01632960124",
            "01632960125",
            "A07700900001",
            "D07700900001",
        ],
    )
    parsed = parse(path, "change")
    assert parsed.added == ["+441632960123"]
    assert parsed.removed == ["+447700900001", "+447911123456"]
    assert [line for line, _ in parsed.problems] == [3, 4]


def test_a_full_file_given_as_a_change_file_is_all_malformed(tmp_path: Path) -> None:
    parsed = parse(write(tmp_path / "tps.txt", ["01632960123", "07911123456"]), "change")
    assert parsed.malformed == 2 and not parsed.added


def test_load_full_then_change(engine: Engine, tmp_path: Path) -> None:
    full = write(tmp_path / "tps.txt", ["01632960123", "07911123456", "bad"])
    change = write(tmp_path / "tps-change.txt", ["A02079460000", "D07911123456", "A01632960123"])
    with session_factory(engine).begin() as session:
        # One bad line in three is far over the default share: allowed here on purpose.
        first = load(session, full, "tps", "full", allowance=Allowance(malformed=0.5))
        assert (first.added, first.removed, first.malformed) == (2, 0, 1)
        assert first.problems == [[3, "bad"]]
    with session_factory(engine).begin() as session:
        second = load(session, change, "tps", "change")
        assert (second.added, second.removed) == (2, 1)
    assert numbers(engine, "tps") == {"+441632960123", "+442079460000"}
    with session_factory(engine).begin() as session:
        again = write(tmp_path / "again.txt", ["01482123456"])
        load(session, again, "tps", "full", allowance=Allowance(force_reason="test"))
    assert numbers(engine, "tps") == {"+441482123456"}
    assert numbers(engine, "ctps") == set()


def test_freshness(engine: Engine, tmp_path: Path) -> None:
    with session_factory(engine).begin() as session:
        with pytest.raises(RegisterStale, match="no TPS or CTPS register is loaded"):
            check_fresh(session, ("tps", "ctps"))
        load(session, write(tmp_path / "tps.txt", ["01632960123"]), "tps", "full")
        load(session, write(tmp_path / "ctps.txt", ["02079460000"]), "ctps", "full")
        assert check_fresh(session, ("tps", "ctps")) == 0
        later = utc_now() + timedelta(days=29)
        with pytest.raises(RegisterStale, match="29 days old"):
            check_fresh(session, ("tps", "ctps"), now=later)
        session.execute(sa.update(RegisterLoadRow).values(loaded_at=utc_now() - timedelta(days=27)))
        assert check_fresh(session, ("tps",)) == 27
