"""What ``pledge screen`` does: bring the screening cache up to date and screen, at once.

Reading and normalising the audience needs none of the store's facts, and checking the cache
against the store is mostly the store's work (summing ten million event ids), so the two run
side by side: the refresh on its own DuckDB connection in a thread, the audience on the
screen's. The screen waits for the refresh before it reads a single fact, and a refresh that
fails stops the screen before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
from sqlalchemy.engine import Connection

from pledge.consent.hashing import Hasher
from pledge.consent.screen import Campaign, Outcome, Step, screen
from pledge.consent.sources import Refreshed, refresh


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
    then screen; the refresh's errors (``CacheDiffers``, the store's) are raised unchanged."""
    cursor = connection.cursor()
    try:
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(refresh, store, cursor, rebuild=rebuild)

            def facts_ready() -> None:
                pending.result()  # raises what the refresh raised

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
    finally:
        cursor.close()
