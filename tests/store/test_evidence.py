"""Evidence that holds: the ledgers and the audit log refuse SQL that rewrites them, and their
hash chains catch any entry edited, deleted, inserted or reordered once the triggers are gone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pledge.cli import main
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from pledge.store.chain import CHAINED, GENESIS, append_links, heads, verify
from pledge.store.consent_tables import ConsentEventRow, SuppressionLiftRow, SuppressionRow
from pledge.store.database import audit, session_factory
from pledge.store.erasure_tables import ErasureLedgerEntry, Restriction, RestrictionLift
from pledge.store.tables import AuditEvent, Base, utc_now
from pledge.store.triggers import APPEND_ONLY, drop_statements

#: A text column of each chained table that tampering can change.
EDITABLE = {
    "audit_event": "actor",
    "consent_event": "actor",
    "suppression": "actor",
    "suppression_lift": "actor",
    "erasure_ledger": "system",
    "restriction": "reason",
    "restriction_lift": "lifted_by",
}


def populate(engine: sa.Engine) -> None:
    """One entry in every chained table, then four more audit events, each its own append."""
    with session_factory(engine).begin() as session:
        suppressed = SuppressionRow(
            identity_hash="b" * 64,
            identity_kind="email",
            reason="opt-out",
            source="cli",
            actor="dpo",
        )
        restricted = Restriction(
            identity_hashes=["d" * 64],
            system="crm",
            dataset="customer",
            row_keys=None,
            reason="the person asked",
            origin="request",
            request_id=None,
        )
        session.add_all(
            [
                ConsentEventRow(
                    identity_hash="a" * 64,
                    identity_kind="email",
                    purpose="news",
                    channel="email",
                    stream="*",
                    action="grant",
                    basis="consent",
                    source="cli",
                    evidence={"notice": "v1", "ip": "192.0.2.1"},
                    actor="dpo",
                ),
                ErasureLedgerEntry(
                    erasure_id="e1",
                    identities={"email": ["c" * 64]},
                    system="crm",
                    dataset="customer",
                    action="delete",
                    rows=2,
                    details={},
                ),
                suppressed,
                restricted,
            ]
        )
        session.flush()
        session.add(SuppressionLiftRow(suppression_id=suppressed.id, because="asked", actor="x"))
        session.add(RestrictionLift(restriction_id=restricted.id, told_at=utc_now(), lifted_by="x"))
    for n in range(4):
        audit(engine, actor="dpo@acme.example", action="test.step", subject=f"s{n}", details={})


def audit_ids(engine: sa.Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))


def drop_triggers(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        for table in APPEND_ONLY:
            for statement in drop_statements(connection.dialect.name, table):
                connection.exec_driver_sql(statement)


def faults(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return [str(fault) for fault in verify(connection)]


def run(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--database-url", settings.database_url, *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_database_refuses_to_change_or_delete_entries(engine: sa.Engine, table: str) -> None:
    populate(engine)
    column = EDITABLE.get(table, "prev_hash")
    last = "entry_id" if table == "chain_link" else "id"
    newest = f"(SELECT max({last}) FROM (SELECT {last} FROM {table}) AS t)"
    for statement in (
        f"UPDATE {table} SET {column} = 'mallory'",
        f"DELETE FROM {table} WHERE {last} = {newest}",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text(statement))


def test_upgrade_restores_a_dropped_trigger(settings: Settings, engine: sa.Engine) -> None:
    populate(engine)
    drop_triggers(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_event SET actor = 'mallory' WHERE id = 1"))
    upgrade(settings)  # already at the latest revision: the triggers come back all the same
    for table, column in EDITABLE.items():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text(f"UPDATE {table} SET {column} = 'mallory'"))


def test_an_intact_store_verifies(settings: Settings, engine: sa.Engine) -> None:
    populate(engine)
    code, output = run(settings, "audit", "verify")
    assert code == 0, output
    assert "audit_event: 4 entries, intact" in output
    assert "all 7 chains hold" in output


def _edit(ids: list[int]) -> tuple[str, int]:
    return f"UPDATE audit_event SET actor = 'mallory' WHERE id = {ids[1]}", ids[1]


def _delete(ids: list[int]) -> tuple[str, int]:
    return f"DELETE FROM audit_event WHERE id = {ids[1]}", ids[1]


def _delete_last(ids: list[int]) -> tuple[str, int]:
    return f"DELETE FROM audit_event WHERE id = {ids[-1]}", ids[-1]


def _insert(ids: list[int]) -> tuple[str, int]:
    sneaked = ids[-1] + 10
    return (
        "INSERT INTO audit_event (id, at, actor, action, subject, details) VALUES "
        f"({sneaked}, '2026-01-01 00:00:00', 'dpo', 'test.step', 'x', '{{}}')",
        sneaked,
    )


def _reorder(ids: list[int]) -> tuple[str, int]:
    spare = ids[-1] + 100
    return (
        f"UPDATE audit_event SET id = {spare} WHERE id = {ids[1]};"
        f"UPDATE audit_event SET id = {ids[1]} WHERE id = {ids[2]};"
        f"UPDATE audit_event SET id = {ids[2]} WHERE id = {spare}",
        ids[1],
    )


def _reorder_links(ids: list[int]) -> tuple[str, int]:
    return (
        "UPDATE chain_link SET seq = 100 WHERE table_name = 'audit_event' AND seq = 2;"
        "UPDATE chain_link SET seq = 2 WHERE table_name = 'audit_event' AND seq = 3;"
        "UPDATE chain_link SET seq = 3 WHERE table_name = 'audit_event' AND seq = 100",
        ids[2],
    )


TAMPERING: dict[str, Callable[[list[int]], tuple[str, int]]] = {
    "edited": _edit,
    "deleted": _delete,
    "last deleted": _delete_last,
    "inserted": _insert,
    "reordered": _reorder,
    "links reordered": _reorder_links,
}


@pytest.mark.parametrize("how", TAMPERING)
def test_verify_names_the_first_tampered_entry(
    settings: Settings, engine: sa.Engine, how: str
) -> None:
    populate(engine)
    drop_triggers(engine)
    statements, bad = TAMPERING[how](audit_ids(engine))
    with engine.begin() as connection:
        for statement in statements.split(";"):
            connection.execute(sa.text(statement))
    assert faults(engine)[0].startswith(f"audit_event id {bad}: ")
    code, output = run(settings, "audit", "verify")
    assert code == 1
    assert f"FAULT audit_event id {bad}: " in output


def test_removing_the_last_entry_and_its_link_is_caught(engine: sa.Engine) -> None:
    populate(engine)
    drop_triggers(engine)
    last = audit_ids(engine)[-1]
    with engine.begin() as connection:
        connection.execute(sa.text(f"DELETE FROM audit_event WHERE id = {last}"))
        connection.execute(
            sa.text(
                f"DELETE FROM chain_link WHERE table_name = 'audit_event' AND entry_id = {last}"
            )
        )
    found = faults(engine)
    assert len(found) == 1 and "its head says 4" in found[0], found


@pytest.mark.parametrize("table", EDITABLE)
def test_an_edit_to_any_ledger_is_caught(engine: sa.Engine, table: str) -> None:
    populate(engine)
    drop_triggers(engine)
    with engine.begin() as connection:
        first = connection.scalar(sa.text(f"SELECT min(id) FROM {table}"))
        connection.execute(
            sa.text(f"UPDATE {table} SET {EDITABLE[table]} = 'mallory' WHERE id = {first}")
        )
    assert faults(engine) == [f"{table} id {first}: entry was changed since it was written"]


def test_heads_kept_outside_prove_nothing_before_them_changed(
    settings: Settings, engine: sa.Engine, tmp_path: Path
) -> None:
    populate(engine)
    code, output = run(settings, "audit", "head")
    assert code == 0
    kept = tmp_path / "heads.tsv"
    kept.write_text(output)
    audit(engine, actor="dpo", action="test.later")
    code, output = run(settings, "audit", "verify", "--against", str(kept))
    assert code == 0, output
    # Someone with the database rewrites an old entry and rebuilds the whole chain to match.
    drop_triggers(engine)
    ids = audit_ids(engine)
    with engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE audit_event SET actor = 'mallory' WHERE id = {ids[0]}"))
        connection.execute(sa.text("DELETE FROM chain_link WHERE table_name = 'audit_event'"))
        head = Base.metadata.tables["chain_head"]
        connection.execute(
            sa.update(head)
            .where(head.c.table_name == "audit_event")
            .values(entries=0, last_id=None, row_hash=GENESIS)
        )
        append_links(connection, "audit_event", ids, Base.metadata.tables["audit_event"])
    assert faults(engine) == []  # the store alone cannot tell...
    code, output = run(settings, "audit", "verify", "--against", str(kept))
    assert code == 1  # ...the heads kept outside it can
    assert "no longer passes through the recorded head" in output


def test_a_bad_heads_file_is_refused_with_its_line(settings: Settings, tmp_path: Path) -> None:
    upgrade(settings)
    kept = tmp_path / "heads.tsv"
    kept.write_text("# heads\naudit_event 3 x abc\n")
    code, output = run(settings, "audit", "verify", "--against", str(kept))
    assert code == 2
    assert f"{kept}:2: entries and last id must be whole numbers" in output


def test_concurrent_appends_chain_in_one_line(engine: sa.Engine) -> None:
    def write(n: int) -> None:
        for step in range(8):
            audit(engine, actor=f"worker-{n}", action="test.concurrent", subject=str(step))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert faults(engine) == []
    with engine.connect() as connection:
        found = {head.table: head.entries for head in heads(connection)}
    assert found["audit_event"] == 32


def test_entries_from_before_the_chains_are_chained_by_the_upgrade(settings: Settings) -> None:
    upgrade(settings, "0007")
    engine = make_engine(settings)
    moment = datetime(2026, 11, 1, 9, 30)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO audit_event (at, actor, action, subject, details) "
                "VALUES (:at, 'dpo', 'old.step', NULL, '{}')"
            ),
            {"at": moment},
        )
        connection.execute(
            sa.text(
                "INSERT INTO suppression (identity_hash, identity_kind, reason, source, actor, "
                "at, lifted_at, lifted_because) VALUES (:h, 'email', 'opt-out', 'cli', 'dpo', "
                ":at, :at, 're-subscribed')"
            ),
            {"h": "e" * 64, "at": moment},
        )
        connection.execute(
            sa.text(
                "INSERT INTO restriction (created_at, identity_hashes, system, dataset, reason, "
                "origin, lifted_at, told_at, lifted_by) VALUES (:at, '[\"f\"]', 'crm', "
                "'customer', 'asked', 'request', :at, :at, 'dpo')"
            ),
            {"at": moment},
        )
    upgrade(settings)
    try:
        assert faults(engine) == []
        with engine.connect() as connection:
            found = {head.table: head.entries for head in heads(connection)}
            lifts = connection.execute(sa.select(RestrictionLift.lifted_by)).scalars().all()
            because = connection.execute(sa.select(SuppressionLiftRow.because)).scalars().all()
        assert set(found) == set(CHAINED)
        assert found["audit_event"] == found["suppression"] == found["restriction"] == 1
        assert lifts == ["dpo"] and because == ["re-subscribed"]
    finally:
        engine.dispose()
