"""A register file that looks broken is refused and the register left exactly as it was.

Before, an empty or junk full file replaced the whole register ("0 added, 1 removed"), after
which a listed number screened as allowed; bytes that were not UTF-8 came out as a DuckDB dump.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.consent.registers import (
    MAX_SHRINK,
    Allowance,
    RegisterFileRefused,
    RegisterFileUnreadable,
    load,
)
from pledge.store.consent_tables import RegisterLoadRow, RegisterNumberRow
from pledge.store.database import session_factory
from pledge.store.tables import AuditEvent
from tests.consent.test_cli import DECLARATION, ok, run

#: A healthy register of 200 numbers.
HELD = [f"0791112{n:04d}" for n in range(200)]


def write(path: Path, lines: list[str]) -> Path:
    path.write_bytes("".join(f"{line}\r\n" for line in lines).encode())
    return path


def held(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        query = sa.select(RegisterNumberRow.number).where(RegisterNumberRow.register == "tps")
        return set(connection.scalars(query))


def loads(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(RegisterLoadRow)) or 0)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "pledge.yaml").write_text(DECLARATION)
    return tmp_path


@pytest.fixture
def loaded(engine: Engine, tmp_path: Path) -> set[str]:
    """The register with HELD loaded; the numbers as stored."""
    with session_factory(engine).begin() as session:
        load(session, write(tmp_path / "tps.txt", HELD), "tps", "full")
    return held(engine)


def refused(engine: Engine, path: Path, kind: str = "full", **allow: object) -> str:
    with (
        pytest.raises(RegisterFileRefused) as caught,
        session_factory(engine).begin() as session,
    ):
        load(session, path, "tps", kind, allowance=Allowance(**allow))  # type: ignore[arg-type]
    return str(caught.value)


@pytest.mark.parametrize(
    "lines",
    [[], ["junk", "more junk"], ["", ""]],
    ids=["empty", "junk", "blank-lines"],
)
def test_a_full_file_without_valid_numbers_is_refused(
    engine: Engine, tmp_path: Path, loaded: set[str], lines: list[str]
) -> None:
    message = refused(engine, write(tmp_path / "new.txt", lines), force_reason="even forced")
    assert "no valid numbers" in message and "unchanged" in message
    assert held(engine) == loaded and loads(engine) == 1


def test_malformed_lines_over_the_share_are_refused(engine: Engine, tmp_path: Path) -> None:
    # 1% of 200 lines is 2: two malformed lines load, three are refused.
    good = [*HELD[:198], "0791 bad", "x"]
    with session_factory(engine).begin() as session:
        row = load(session, write(tmp_path / "two.txt", good), "tps", "full")
    assert row.malformed == 2
    three = [*HELD[:197], "0791 bad", "x", "y"]
    message = refused(engine, write(tmp_path / "three.txt", three))
    assert "3 of 200 lines are malformed" in message and "line 198" in message
    assert len(held(engine)) == 198
    # The share is the caller's to raise for one load.
    with session_factory(engine).begin() as session:
        row = load(session, tmp_path / "three.txt", "tps", "full", allowance=Allowance(0.02))
    assert row.malformed == 3


def test_a_change_file_of_full_file_lines_is_refused(
    engine: Engine, tmp_path: Path, loaded: set[str]
) -> None:
    message = refused(engine, write(tmp_path / "change.txt", HELD[:10]), kind="change")
    assert "10 of 10 lines are malformed" in message and "--change" in message
    assert held(engine) == loaded


def test_shrinking_the_register_needs_force_and_a_reason(
    engine: Engine, tmp_path: Path, loaded: set[str]
) -> None:
    keep = int(len(HELD) * (1 - MAX_SHRINK))
    # Exactly the share allowed loads without force.
    with session_factory(engine).begin() as session:
        load(session, write(tmp_path / "ninety.txt", HELD[:keep]), "tps", "full")
    assert len(held(engine)) == keep
    smaller = write(tmp_path / "half.txt", HELD[: keep // 2])
    message = refused(engine, smaller)
    assert f"from {keep}" in message and "--force" in message
    assert len(held(engine)) == keep
    assert "--force" in refused(engine, smaller, force_reason="  ")
    with session_factory(engine).begin() as session:
        load(session, smaller, "tps", "full", "dpo", Allowance(force_reason="TPS ticket 42"))
    assert len(held(engine)) == keep // 2
    with engine.connect() as connection:
        event = connection.execute(
            sa.select(AuditEvent.actor, AuditEvent.details)
            .where(AuditEvent.action == "register.load")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None
    assert event.actor == "dpo"
    assert event.details["forced"] == "TPS ticket 42"
    assert event.details["removed"] == keep


@pytest.mark.parametrize("before", [3, 300_000], ids=["first-line", "past-a-read"])
def test_bytes_that_are_not_utf8_are_named_by_line_and_offset(
    engine: Engine, tmp_path: Path, loaded: set[str], before: int
) -> None:
    # The second case puts the bad byte past the first megabyte read, mid-way through lines.
    lines = [f"0791100{n % 10_000:04d}" for n in range(before)]
    text = "".join(f"{line}\r\n" for line in lines).encode()
    path = tmp_path / "bad.txt"
    path.write_bytes(text + b"0163296\xff0123\r\n01632960124\r\n")
    with (
        pytest.raises(RegisterFileUnreadable) as caught,
        session_factory(engine).begin() as session,
    ):
        load(session, path, "tps", "full")
    message = str(caught.value)
    assert f"{path}:{before + 1}: byte {len(text) + 7} (0xff) is not UTF-8" in message
    assert "Invalid Input Error" not in message
    assert held(engine) == loaded


def test_the_cli_refuses_and_a_listed_number_stays_excluded(folder: Path) -> None:
    ok(run(folder, "db", "upgrade"))
    write(folder / "tps.txt", ["07911123456", *HELD[:99]])
    ok(run(folder, "tps", "load", str(folder / "tps.txt")))
    (folder / "empty.txt").write_bytes(b"")
    emptied = run(folder, "tps", "load", str(folder / "empty.txt"))
    assert emptied.exit_code == 1
    assert "no valid numbers" in emptied.output and "removed" not in emptied.output
    (folder / "junk.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    junk = run(folder, "tps", "load", str(folder / "junk.bin"))
    assert junk.exit_code == 2
    assert "junk.bin:1: byte 0 (0x89) is not UTF-8" in junk.output
    assert "Traceback" not in junk.output and "Possible Solution" not in junk.output
    alone = run(folder, "tps", "load", str(folder / "tps.txt"), "--force")
    assert alone.exit_code == 2 and "--reason" in alone.output
    (folder / "people.csv").write_text("id,phone\n1,07911 123456\n")
    ok(run(folder, "consent", "grant", "07911123456", "--purpose", "news", "--channel", "phone"))
    ok(
        run(
            folder,
            "screen",
            str(folder / "people.csv"),
            "--channel",
            "phone",
            "--purpose",
            "news",
            "--override-reason",
            "no CTPS file in this test",
        )
    )
    excluded = (folder / "people.excluded.csv").read_text().splitlines()
    assert excluded == ["id,phone,reason", "1,07911 123456,tps"]
    write(folder / "few.txt", HELD[:10])
    forced = run(
        folder, "tps", "load", str(folder / "few.txt"), "--force", "--reason", "supplier reissue"
    )
    assert "10 added, 100 removed" in ok(forced)
