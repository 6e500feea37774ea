"""The one door to Pledge's store: engines, sessions, and the few writes every part shares."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from pledge.connectors.redaction import redact_all, redact_url, scrub
from pledge.declaration import Loaded, fingerprint, summarise
from pledge.settings import DEFAULT_DATABASE_FILE, Settings
from pledge.store.append_only import append_only
from pledge.store.chain import CHAINED
from pledge.store.consent_tables import ConsentEventRow, SuppressionLiftRow, SuppressionRow
from pledge.store.erasure_tables import ErasureLedgerEntry, Restriction, RestrictionLift
from pledge.store.private import private_file, private_folder
from pledge.store.tables import AuditEvent, ChainLink, DeclarationVersion

# The audit log and the ledgers are evidence: no code path may change or delete what they say
# happened (the database's triggers refuse it too, see pledge.store.triggers).
for _model in (
    AuditEvent,
    ConsentEventRow,
    SuppressionRow,
    SuppressionLiftRow,
    ErasureLedgerEntry,
    Restriction,
    RestrictionLift,
):
    append_only(_model, CHAINED[_model.__tablename__])
append_only(ChainLink, "the hash chain")

#: How long to wait for a PostgreSQL server before calling the store unreachable.
CONNECT_TIMEOUT_SECONDS = 10


class StoreUnavailable(Exception):
    """Pledge's own database cannot be reached or opened; the message says where and why."""


def shown(url: str | sa.URL) -> str:
    """The URL as it may appear in messages and logs: password hidden."""
    try:
        rendered = sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable database URL>"
    # SQLAlchemy ends the password at the first "@"; the rest of it would show as the host.
    return redact_url(rendered)


def resolve_database_url(settings: Settings, declaration_folder: Path | None = None) -> str:
    """The store's URL, with the default SQLite file placed beside the declaration.

    >>> resolve_database_url(Settings(), Path("/srv/acme"))
    'sqlite:////srv/acme/.pledge/pledge.sqlite'
    """
    if settings.database_url != Settings().database_url:
        return settings.database_url
    if declaration_folder is None:
        declaration = settings.find_declaration()
        declaration_folder = declaration.parent if declaration is not None else Path.cwd()
    database = (declaration_folder / DEFAULT_DATABASE_FILE).absolute()
    return sa.URL.create("sqlite", database=str(database)).render_as_string()


def make_engine(settings: Settings, declaration_folder: Path | None = None) -> Engine:
    """An engine for Pledge's store; nothing connects until the engine is first used."""
    raw = resolve_database_url(settings, declaration_folder)
    try:
        url = sa.make_url(raw)
    except sa.exc.ArgumentError as exc:
        raise StoreUnavailable(
            f"Pledge's store URL is not a SQLAlchemy URL: {redact_all(str(exc))}"
        ) from None
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        _make_sqlite_folder(url)
    elif url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        # Without a timeout a firewalled host hangs the command instead of failing.
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    try:
        engine = sa.create_engine(url, connect_args=connect_args)
    except sa.exc.NoSuchModuleError:
        raise StoreUnavailable(
            f"cannot open Pledge's store at {shown(url)}: SQLAlchemy knows no database "
            f"kind {url.drivername!r}; use sqlite:///FILE or postgresql://..."
        ) from None
    except ModuleNotFoundError as exc:
        raise StoreUnavailable(
            f"cannot open Pledge's store at {shown(url)}: its driver ({exc.name}) is not "
            "installed; for PostgreSQL install pledge[postgres]"
        ) from None
    if url.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _tune_sqlite)
    sa.event.listen(engine, "handle_error", _explain_connect_failure)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Session]:
    """A session whose transaction holds the store's write lock from its first statement.

    SQLite otherwise reads outside any lock and takes it at the first write, so two callers
    can both read "4 attempts" and both act on it; ``BEGIN IMMEDIATE`` makes the second wait
    until the first has committed. PostgreSQL and MariaDB need no such start: there the
    caller locks the rows it reads (``FOR UPDATE``).
    """
    with session_factory(engine).begin() as session:
        if engine.dialect.name == "sqlite":
            session.execute(sa.text("BEGIN IMMEDIATE"))
        yield session


def record_declaration(engine: Engine, loaded: Loaded) -> DeclarationVersion:
    """The stored version row for this declaration, inserted if its fingerprint is new."""
    key = fingerprint(loaded.declaration)
    found = _declaration_version(engine, key)
    if found is not None:
        return found
    row = DeclarationVersion(
        fingerprint=key,
        path=str(loaded.path.absolute()) if loaded.path is not None else None,
        controller=loaded.declaration.controller.name,
        summary=dataclasses.asdict(summarise(loaded.declaration)),
    )
    try:
        with session_factory(engine).begin() as session:
            session.add(row)
    except IntegrityError:
        # Another process recorded the same declaration between our read and our write.
        raced = _declaration_version(engine, key)
        if raced is None:
            raise
        return raced
    return row


def audit(
    target: Session | Engine,
    *,
    actor: str,
    action: str,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; with a Session it joins the caller's transaction.

    >>> audit(engine, actor="dpo@acme.example", action="retention.run", subject="cdr-12-months")
    ... # doctest: +SKIP
    """
    # The last door before the append-only log: no password in a quoted error gets through.
    kept = redact_all(dict(details or {}))
    event = AuditEvent(actor=actor, action=action, subject=subject, details=kept)
    if isinstance(target, Session):
        target.add(event)
    else:
        with session_factory(target).begin() as session:
            session.add(event)
    return event


def _declaration_version(engine: Engine, key: str) -> DeclarationVersion | None:
    with session_factory(engine)() as session:
        return session.scalars(
            sa.select(DeclarationVersion).where(DeclarationVersion.fingerprint == key)
        ).one_or_none()


def _make_sqlite_folder(url: sa.URL) -> None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    try:
        private_folder(Path(database).parent)
        # SQLite gives its -wal and -shm files the database file's mode: owner-only too.
        private_file(Path(database))
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot open Pledge's store at {shown(url)}: {exc.strerror or exc}"
        ) from None


def _tune_sqlite(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys off unless asked, per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the web pages read while a job writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    # Deleted and overwritten content is zeroed, not left in free pages: an erased person's
    # identifiers do not linger in the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _explain_connect_failure(context: sa.engine.ExceptionContext) -> None:
    # No connection yet means the failure happened while connecting: the store is not there,
    # which deserves one sentence rather than a driver traceback.
    if context.connection is not None or context.engine is None:
        return
    original = context.original_exception
    texts = [a for a in getattr(original, "args", ()) if isinstance(a, str)] or [str(original)]
    lines = texts[-1].strip().splitlines() or [type(original).__name__]
    reason = lines[0].rsplit(": ", 1)[-1].strip()
    if reason[1:2].islower():
        reason = reason[0].lower() + reason[1:]
    # A driver may quote the password it was given, or a piece of it.
    reason = scrub(reason, context.engine.url.render_as_string(hide_password=False))
    raise StoreUnavailable(
        f"cannot reach Pledge's store at {shown(context.engine.url)}: {reason}"
    ) from original
