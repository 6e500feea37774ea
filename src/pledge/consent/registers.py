"""The TPS and CTPS do-not-call registers: file parsing, loading, and how fresh they are.

A full file is what the TPS distributes: fixed-width numbers, one per line, CRLF. It replaces
the register. A change file brings one day's changes, one per line: ``A`` (added to the
register) or ``D`` (removed) followed by the number in the same fixed width, e.g.
``A01632960123``. One file with a letter per line was chosen over separate addition and
deletion files so a change file carries its own meaning: given where a full file is expected
(or the reverse) every line is malformed and the load says so, instead of silently adding
numbers that should have been removed.

Lines that are not numbers are counted and reported by line number; the rest are loaded.
Numbers are stored in E.164 (they are public register data, not a data subject's).

A load that looks like a broken file is refused before the register is touched, because a
register emptied by mistake lets every listed number be called:

- a full file with no valid numbers at all;
- a file whose malformed lines are more than :data:`MAX_MALFORMED` of its lines (1%; the
  TPS's own files have none), unless a larger share is allowed for that load;
- a full file that would shrink the register by more than :data:`MAX_SHRINK` (10%; the
  register changes by a fraction of a percent a day), unless forced with a reason, which the
  audit log keeps;
- a file that is not UTF-8 text, named by line and byte offset.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pledge.consent.phones import e164_sql, fill_leftovers
from pledge.store.consent_tables import RegisterLoadRow, RegisterNumberRow
from pledge.store.database import audit
from pledge.store.tables import utc_now

REGISTERS = ("tps", "ctps")
KINDS = ("full", "change")
#: PECR practice: screen against a register no older than 28 days.
MAX_AGE = timedelta(days=28)
#: How many malformed lines are kept, with their text, in the load record.
PROBLEMS_KEPT = 100
#: Rows per INSERT batch when copying numbers into the store.
BATCH = 50_000
#: Numbers per DELETE ... IN (...): SQLite allows at most 32,766 bound values per statement.
IN_BATCH = 5_000

#: Largest share of a file's lines that may be malformed before the load is refused.
MAX_MALFORMED = 0.01
#: Largest share of the register a full file may take away without ``force``.
MAX_SHRINK = 0.10
#: Bytes read at a time when checking that a file is UTF-8 text.
_CHUNK = 1 << 20

_LINE = {"full": r"^\s*([0-9]+)\s*$", "change": r"^\s*([AD])\s*([0-9]+)\s*$"}


class RegisterStale(Exception):
    """A phone campaign would be screened against a register that is missing or too old."""


class RegisterFileRefused(Exception):
    """A register file that looks broken; nothing was loaded and the register is as it was."""


class RegisterFileUnreadable(RegisterFileRefused):
    """A register file that is not text at all (bytes that are not UTF-8)."""


@dataclass(frozen=True)
class Allowance:
    """How far a load may depart from a healthy file before it is refused.

    ``malformed`` is the share of lines that may be malformed; ``force_reason``, when given,
    lets a full file shrink the register by more than :data:`MAX_SHRINK`.
    """

    malformed: float = MAX_MALFORMED
    force_reason: str | None = None


@dataclass
class Parsed:
    """A register file read: numbers to add and remove, and the malformed lines.

    The numbers stay in DuckDB (``_latest``) and come out in sorted batches: a full TPS file
    has some twenty million, which as Python strings would take gigabytes.
    """

    connection: duckdb.DuckDBPyConnection
    lines: int = 0
    malformed: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    def batches(self, action: str, size: int = BATCH) -> Iterator[list[str]]:
        """The numbers to add (``A``) or remove (``D``) in E.164, ``size`` at a time."""
        # Nothing else may run on the connection until the batches are all read.
        result = self.connection.execute(
            "SELECT '+' || number FROM _latest WHERE action = ? ORDER BY number", [action]
        )
        while rows := result.fetchmany(size):
            yield [str(number) for (number,) in rows]

    def count(self, action: str) -> int:
        """How many numbers the file adds (``A``) or removes (``D``)."""
        found = self.connection.execute(
            "SELECT count(*) FROM _latest WHERE action = ?", [action]
        ).fetchone()
        return int(found[0]) if found else 0

    @property
    def added(self) -> list[str]:
        """Every number to add (a change file's few; use :meth:`batches` for a full file)."""
        return [number for batch in self.batches("A") for number in batch]

    @property
    def removed(self) -> list[str]:
        """Every number to remove."""
        return [number for batch in self.batches("D") for number in batch]

    def close(self) -> None:
        """Let go of the parsed numbers."""
        self.connection.close()


def parse(path: Path, kind: str) -> Parsed:
    """Read a full or change file; the numbers come out in E.164, deduplicated."""
    if kind not in KINDS:
        raise ValueError(f"register file kind must be full or change, not {kind!r}")
    _check_text(path)
    connection = duckdb.connect()
    quoted = str(path).replace("'", "''")
    # One VARCHAR column per line: no delimiter, quote or escape character can split a line.
    lines = (
        "SELECT row_number() OVER () AS line_no, line "
        f"FROM read_csv('{quoted}', header = false, columns = {{'line': 'VARCHAR'}}, "
        "delim = '\\x01', quote = '', escape = '', auto_detect = false, strict_mode = false)"
    )
    action = "'A'" if kind == "full" else f"regexp_extract(line, '{_LINE['change']}', 1)"
    digits = f"regexp_extract(line, '{_LINE[kind]}', {1 if kind == 'full' else 2})"
    # One pass, no UPDATE of every row: an UPDATE keeps the old values until it commits,
    # which for a twenty-million-line file was gigabytes.
    # The text of a line is kept only where the line may be malformed, and the number's raw
    # digits only where the SQL could not normalise them (fill_leftovers tries those).
    connection.execute(
        "CREATE TEMP TABLE _parsed AS SELECT line_no, action, "
        "CASE WHEN number IS NULL THEN raw END AS raw, number, "
        "CASE WHEN action IS NULL OR number IS NULL THEN line END AS line FROM ("
        f"SELECT *, {e164_sql('raw')} AS number FROM (SELECT line_no, line, "
        f"nullif({action}, '') AS action, nullif({digits}, '') AS raw FROM ({lines})))"
    )
    fill_leftovers(connection, "_parsed", "raw", "number")
    parsed = Parsed(connection)
    total = connection.execute("SELECT count(*) FROM _parsed").fetchone()
    parsed.lines = int(total[0]) if total else 0
    bad = "action IS NULL OR number IS NULL"
    count = connection.execute(f"SELECT count(*) FROM _parsed WHERE {bad}").fetchone()
    parsed.malformed = int(count[0]) if count else 0
    shown = connection.execute(
        f"SELECT line_no, coalesce(line, '') FROM _parsed WHERE {bad} ORDER BY line_no LIMIT ?",
        [PROBLEMS_KEPT],
    )
    parsed.problems = [(int(n), str(text)) for n, text in shown.fetchall()]
    # Within one change file the last line for a number wins. E.164 digits as a BIGINT key:
    # grouping twenty million of them takes a fraction of the memory strings would.
    connection.execute(
        "CREATE TEMP TABLE _latest AS SELECT substr(number, 2)::BIGINT AS number, "
        f"arg_max(action, line_no) AS action FROM _parsed WHERE NOT ({bad}) GROUP BY 1"
    )
    connection.execute("DROP TABLE _parsed")
    return parsed


def _check_text(path: Path) -> None:
    """RegisterFileRefused naming the line and byte where ``path`` stops being UTF-8."""
    offset, line, rest = 0, 1, b""
    with path.open("rb") as file:
        while True:
            chunk = file.read(_CHUNK)
            block = rest + chunk
            # Whole lines only, so a character split across two reads is not an error.
            cut = block.rfind(b"\n") + 1 if chunk else len(block)
            block, rest = block[:cut], block[cut:]
            try:
                block.decode("utf-8")
            except UnicodeDecodeError as exc:
                where = line + block.count(b"\n", 0, exc.start)
                raise RegisterFileUnreadable(
                    f"{path}:{where}: byte {offset + exc.start} (0x{block[exc.start]:02x}) is "
                    "not UTF-8 text; a register file is digits, one number a line. "
                    "Nothing was loaded"
                ) from None
            offset += len(block)
            line += block.count(b"\n")
            if not chunk:
                return


def load(
    session: Session,
    path: Path,
    register: str,
    kind: str,
    actor: str = "pledge",
    allowance: Allowance | None = None,
) -> RegisterLoadRow:
    """Load a register file into the store, in the caller's transaction.

    Raises RegisterFileRefused, with nothing written, for a file that looks broken.
    """
    if register not in REGISTERS:
        raise ValueError(f"register must be tps or ctps, not {register!r}")
    allowance = allowance or Allowance()
    parsed = parse(path, kind)
    try:
        shrink = _judge(session, path, parsed, register, kind, allowance)
        row = _load(session, path, parsed, register, kind, actor)
    finally:
        parsed.close()
    details: dict[str, object] = {
        "kind": kind,
        "file": str(path),
        "added": row.added,
        "removed": row.removed,
        "malformed": row.malformed,
    }
    if shrink is not None:
        details |= {"forced": allowance.force_reason, "shrink": round(shrink, 4)}
    audit(session, actor=actor, action="register.load", subject=register, details=details)
    return row


def _judge(
    session: Session, path: Path, parsed: Parsed, register: str, kind: str, allowance: Allowance
) -> float | None:
    """Refuse a file that looks broken; the share a forced full load shrinks the register by."""
    name = register.upper()
    valid = parsed.count("A") + parsed.count("D")
    if kind == "full" and not valid:
        raise RegisterFileRefused(
            f"{path}: no valid numbers in {parsed.lines:,} line(s); a full {name} file replaces "
            f"the whole register, so it was not loaded and the register is unchanged"
        )
    if parsed.lines and parsed.malformed > allowance.malformed * parsed.lines:
        first = ", ".join(str(line) for line, _ in parsed.problems[:5])
        raise RegisterFileRefused(
            f"{path}: {parsed.malformed:,} of {parsed.lines:,} lines are malformed "
            f"(first at line {first}), over the {allowance.malformed:.0%} allowed; nothing was "
            "loaded. Check the file is the right one and kind (--change for change files), or "
            "allow more with --max-malformed PERCENT"
        )
    if kind != "full":
        return None
    held = session.scalar(sa.select(sa.func.count()).where(RegisterNumberRow.register == register))
    held = int(held or 0)
    incoming = parsed.count("A")
    if not held or incoming >= held * (1 - MAX_SHRINK):
        return None
    shrink = 1 - incoming / held
    if not allowance.force_reason or not allowance.force_reason.strip():
        raise RegisterFileRefused(
            f"{path}: this full file holds {incoming:,} numbers and would shrink the {name} "
            f"register from {held:,} by {shrink:.1%}, over the {MAX_SHRINK:.0%} a full file may "
            'take away; nothing was loaded. If this is right, load it with --force --reason "..."'
        )
    return shrink


def _load(
    session: Session, path: Path, parsed: Parsed, register: str, kind: str, actor: str
) -> RegisterLoadRow:
    this_register = RegisterNumberRow.register == register
    # Bulk statements: nothing of the register is loaded into the session to keep in step.
    delete = sa.delete(RegisterNumberRow).execution_options(synchronize_session=False)
    if kind == "full":
        result = session.execute(delete.where(this_register))
        removed = result.rowcount  # type: ignore[attr-defined]
    else:
        # Deleting every number the change file names, then inserting its additions, makes
        # adding a number already listed harmless on every engine.
        removed = 0
        for action, counted in (("D", True), ("A", False)):
            for numbers in parsed.batches(action, IN_BATCH):
                chunk = RegisterNumberRow.number.in_(numbers)
                result = session.execute(delete.where(this_register, chunk))
                removed += result.rowcount if counted else 0  # type: ignore[attr-defined]
    for numbers in parsed.batches("A"):
        rows = [{"register": register, "number": n} for n in numbers]
        session.execute(sa.insert(RegisterNumberRow), rows)
    row = RegisterLoadRow(
        register=register,
        kind=kind,
        file_name=str(path),
        loaded_at=utc_now(),
        added=parsed.count("A"),
        removed=removed,
        malformed=parsed.malformed,
        problems=[list(problem) for problem in parsed.problems],
        actor=actor,
    )
    session.add(row)
    return row


def loaded_at(session: Session) -> dict[str, datetime]:
    """When each register was last loaded (a full or a change file)."""
    query = sa.select(RegisterLoadRow.register, sa.func.max(RegisterLoadRow.loaded_at))
    found = session.execute(query.group_by(RegisterLoadRow.register)).all()
    return {register: at for register, at in found}


def check_fresh(
    session: Session, registers: tuple[str, ...], now: datetime | None = None
) -> int | None:
    """Age in days of the oldest of ``registers``; RegisterStale when one is missing or old."""
    now = now or utc_now()
    loaded = loaded_at(session)
    missing = [name.upper() for name in registers if name not in loaded]
    if missing:
        raise RegisterStale(
            f"no {' or '.join(missing)} register is loaded: run `pledge tps load FILE "
            f"--register {missing[0].lower()}`, or give --override-reason to screen anyway"
        )
    if not registers:
        return None
    oldest = min(loaded[name] for name in registers)
    age = now - oldest
    if age > MAX_AGE:
        raise RegisterStale(
            f"the register loaded on {oldest:%Y-%m-%d} is {age.days} days old, over the "
            f"{MAX_AGE.days} days a phone campaign may be screened against: load a newer "
            "file, or give --override-reason to screen anyway (the reason is recorded)"
        )
    return age.days
