"""The store's one door: engines, the declaration record and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from pledge.declaration import Loaded, fingerprint, load_text
from pledge.settings import Settings
from pledge.store import (
    AuditEvent,
    DeclarationVersion,
    StoreUnavailable,
    audit,
    current,
    make_engine,
    record_declaration,
    resolve_database_url,
    session_factory,
    upgrade,
)

DECLARATION = """\
pledge: 1
controller: {name: Northwold Telecom Ltd, address: "1 Quay Street, Hull HU1 1AA"}
"""
UNREACHABLE = "postgresql+psycopg://pledge:s3cret@127.0.0.1:1/pledge"


def loaded(text: str = DECLARATION, path: Path | None = None) -> Loaded:
    result = load_text(text)
    result.path = path
    return result


def test_record_declaration_is_idempotent(engine: sa.Engine, tmp_path: Path) -> None:
    first = record_declaration(engine, loaded(path=tmp_path / "pledge.yaml"))
    again = record_declaration(engine, loaded(path=tmp_path / "pledge.yaml"))
    assert again.id == first.id
    assert first.fingerprint == fingerprint(loaded().declaration)
    assert first.controller == "Northwold Telecom Ltd"
    assert first.path == str(tmp_path / "pledge.yaml")
    assert first.summary["systems"] == 0
    with session_factory(engine)() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(DeclarationVersion)) == 1


def test_a_changed_declaration_is_a_new_version(engine: sa.Engine) -> None:
    first = record_declaration(engine, loaded())
    second = record_declaration(engine, loaded(DECLARATION.replace("Northwold", "Southwold")))
    assert second.fingerprint != first.fingerprint
    with session_factory(engine)() as session:
        rows = session.scalars(sa.select(DeclarationVersion).order_by(DeclarationVersion.id))
        assert [r.controller for r in rows] == ["Northwold Telecom Ltd", "Southwold Telecom Ltd"]


def test_audit_appends_with_an_engine_or_in_a_session(engine: sa.Engine) -> None:
    before = datetime.now(UTC)
    audit(engine, actor="dpo@northwold.example", action="retention.run", subject="cdr-12-months")
    with session_factory(engine).begin() as session:
        audit(session, actor="pledge", action="request.received", details={"type": "access"})
    with session_factory(engine)() as session:
        events = list(session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.actor, e.action, e.subject, e.details) for e in events] == [
        ("dpo@northwold.example", "retention.run", "cdr-12-months", {}),
        ("pledge", "request.received", None, {"type": "access"}),
    ]
    for event in events:
        assert event.at.tzinfo is not None
        assert before - timedelta(seconds=1) <= event.at <= datetime.now(UTC)


def test_audit_in_a_rolled_back_session_leaves_no_trace(engine: sa.Engine) -> None:
    with session_factory(engine)() as session:
        audit(session, actor="pledge", action="request.received")
        session.rollback()
    with session_factory(engine)() as session:
        assert session.scalars(sa.select(AuditEvent)).all() == []


def test_moments_keep_their_instant_whatever_the_offset(engine: sa.Engine) -> None:
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with session_factory(engine).begin() as session:
        paris = moment.astimezone(ZoneInfo("Europe/Paris"))
        session.add(AuditEvent(at=paris, actor="pledge", action="clock.tick", details={}))
    with session_factory(engine)() as session:
        stored = session.scalars(sa.select(AuditEvent.at)).one()
    assert stored == moment
    assert stored.utcoffset() == timedelta(0)


def test_a_naive_moment_is_refused(engine: sa.Engine) -> None:
    naive = AuditEvent(at=datetime(2026, 1, 1), actor="pledge", action="x", details={})
    with (
        pytest.raises(sa.exc.StatementError, match="naive datetime"),
        session_factory(engine).begin() as session,
    ):
        session.add(naive)


def test_unreachable_store_is_one_clear_error() -> None:
    settings = Settings(database_url=UNREACHABLE)
    with pytest.raises(StoreUnavailable) as caught:
        upgrade(settings)
    message = str(caught.value)
    assert message == (
        "cannot reach Pledge's store at "
        "postgresql+psycopg://pledge:***@127.0.0.1:1/pledge: connection refused"
    )
    assert "s3cret" not in message
    with pytest.raises(StoreUnavailable, match="connection refused"):
        current(settings)
    with pytest.raises(StoreUnavailable, match="connection refused"):
        record_declaration(make_engine(settings), loaded())


def test_sqlite_store_gets_its_folder_foreign_keys_and_wal(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a' / 'b' / 'pledge.sqlite'}")
    engine = make_engine(settings)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    engine.dispose()
    assert (tmp_path / "a" / "b" / "pledge.sqlite").is_file()


def test_no_engine_until_asked() -> None:
    import pledge.store.database as database

    assert not [v for v in vars(database).values() if isinstance(v, sa.Engine)]


def test_default_store_sits_beside_the_declaration(tmp_path: Path) -> None:
    expected = f"sqlite:///{tmp_path / '.pledge' / 'pledge.sqlite'}"
    assert resolve_database_url(Settings(), tmp_path) == expected
    found = Settings(declaration_path=tmp_path / "pledge.yaml")
    assert resolve_database_url(found) == expected


def test_default_store_without_a_declaration_is_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_database_url(Settings()) == f"sqlite:///{tmp_path / '.pledge/pledge.sqlite'}"


def test_a_given_url_is_used_as_given(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite:///relative.sqlite")
    assert resolve_database_url(settings, tmp_path) == "sqlite:///relative.sqlite"


def test_the_audit_log_cannot_be_rewritten(tmp_path: Path) -> None:
    from sqlalchemy.orm import Session

    from pledge.store.append_only import AppendOnly

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade(settings)
    engine = make_engine(settings)
    event = audit(engine, actor="dpo", action="request.received", subject="request:1")
    with Session(engine) as session:
        row = session.get(AuditEvent, event.id)
        assert row is not None
        row.action = "request.forgotten"
        with pytest.raises(AppendOnly, match="the audit log is append-only"):
            session.flush()
        session.rollback()
        with pytest.raises(AppendOnly):
            session.execute(sa.delete(AuditEvent))
    with Session(engine) as session:
        kept = session.get(AuditEvent, event.id)
        assert kept is not None and kept.action == "request.received"
    engine.dispose()
