"""What ``pledge screen`` does: bring the screening cache up to date and screen, at once.

Reading and normalising the audience needs none of the store's facts, and checking the cache
against the store is mostly the store's work (summing ten million event ids), so the two run
side by side: the refresh on its own DuckDB connection in a thread, the audience on the
screen's. The screen waits for the refresh before it reads a single fact, and a refresh that
fails stops the screen before anything is written.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
from sqlalchemy.engine import Connection

from pledge.consent.screen import Campaign, Outcome, Step, screen
from pledge.consent.sources import Refreshed, refresh
from pledge.subjects.hashing import Hasher


class _Cancelled(Exception):
    """The screen failed or was interrupted: the refresh stops at its next batch."""


def refresh_and_screen(
    store: Connection,
    connection: duckdb.DuckDBPyConnection,
    audience: Path,
    campaign: Campaign,
    hasher: Hasher,
    *,
    rebuild: bool = False,
    carry: Iterable[str] = (),
    folder: Path | None = None,
    step: Step = lambda _name: None,
) -> tuple[Refreshed, Outcome]:
    """Refresh the cache in ``connection``'s database from ``store`` while the audience is read,
    then screen; the refresh's errors (``CacheDiffers``, the store's) are raised unchanged.

    When the screen fails first (a bad audience file, Ctrl-C), the refresh is told to stop at
    its next batch (its table's transaction rolls back) and the screen's error is raised, with
    the refresh's own failure, if it had one, added as a note.
    """
    cursor = connection.cursor()
    cancelled = threading.Event()

    def progress(_rows: int) -> None:
        if cancelled.is_set():
            raise _Cancelled()

    pool = ThreadPoolExecutor(1)
    pending = pool.submit(refresh, store, cursor, rebuild=rebuild, progress=progress)

    def facts_ready() -> None:
        pending.result()  # raises what the refresh raised

    try:
        outcome = screen(
            connection,
            audience,
            campaign,
            hasher,
            carry=carry,
            folder=folder,
            step=step,
            facts_ready=facts_ready,
        )
        return pending.result(), outcome
    except BaseException as failure:
        cancelled.set()
        try:
            pending.result()
        except _Cancelled:
            pass
        except Exception as other:  # reported as a note on the error raised instead
            if other is not failure:
                failure.add_note(f"the screening cache refresh failed too: {other}")
        raise
    finally:
        pool.shutdown(wait=True)
        cursor.close()
