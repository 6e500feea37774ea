"""The store remembers which hash key its keyed hashes were made with, and refuses another.

Keyed hashes made under one key never match hashes made under another, silently: with a
mistyped or rotated ``PLEDGE_HASH_KEY`` the suppression list and both ledgers would simply stop
recognising anyone, and a suppressed person would be marketed to. The first keyed use of a
store records a check value (a key derived for that alone, so it reveals nothing usable);
every later use compares it and stops with a clear error on a difference. While the store
holds no keyed hash at all there is nothing to protect, and another key simply replaces the
recorded one (a first command run with a scratch key does not bind the store to it).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pledge.keys import derive
from pledge.store.database import StoreUnavailable
from pledge.store.tables import HashKeyCheck

#: The identity-hash scheme in use (pledge.subjects.hashing); a new scheme is a new row.
SCHEME = "identity-hash-v2"
#: The tables that hold keyed hashes of people.
HASHED = ("consent_event", "suppression", "erasure_ledger", "restriction", "objection")


class HashKeyMismatch(StoreUnavailable):
    """The configured hash key is not the one this store's hashes were made with: the store
    cannot be used with it, so every command that reports an unusable store reports this."""


def check_value(key: bytes) -> str:
    """What the store keeps to recognise ``key``: a derived value, not usable as any key."""
    return derive(key, "key-check").hex()


def holds_hashes(session: Session) -> bool:
    """Whether any table of the store holds a keyed hash of a person."""
    return any(
        session.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
        for table in HASHED
    )


def check_key(session: Session, key: bytes) -> None:
    """Record ``key``'s check value on first use; refuse a key that does not match it."""
    mine = check_value(key)
    recorded = session.get(HashKeyCheck, SCHEME)
    if recorded is None:
        if session.query(HashKeyCheck).filter(HashKeyCheck.scheme != SCHEME).count():
            raise HashKeyMismatch(
                "this store's keyed hashes were made by an older hashing scheme, so none would "
                "match; they cannot be converted without the identifiers they hide"
            )
        try:
            with session.begin_nested():
                session.add(HashKeyCheck(scheme=SCHEME, check_value=mine))
            return
        except sa.exc.IntegrityError:
            # Another command recorded a key at the same moment: compare with that one. A
            # locking read sees it even where this transaction reads a snapshot (MariaDB).
            latest = sa.select(HashKeyCheck).where(HashKeyCheck.scheme == SCHEME)
            latest = latest.with_for_update().execution_options(populate_existing=True)
            recorded = session.execute(latest).scalar_one_or_none()
            if recorded is None:
                raise
    if recorded.check_value == mine:
        return
    if not holds_hashes(session):
        recorded.check_value = mine
        return
    raise HashKeyMismatch(
        "PLEDGE_HASH_KEY is not the key this store's hashes were made with (recorded "
        f"{recorded.recorded_at:%Y-%m-%d}): with it no suppressed, consenting or erased "
        "person would be recognised. Set the original key; nothing was changed"
    )
