"""pledge screen's path: the cache refreshed beside the audience read, and failures of either."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy.engine import Engine

from pledge.consent import screening
from pledge.consent.audience import AudienceError
from pledge.consent.ledger import Change, record
from pledge.consent.screen import Campaign
from pledge.consent.sources import Refreshed
from pledge.store.database import session_factory
from pledge.subjects.hashing import Hasher

NEWS = Campaign("email", "news")


def test_the_screen_uses_the_refreshed_facts(
    engine: Engine, hasher: Hasher, tmp_path: Path
) -> None:
    with session_factory(engine).begin() as session:
        grant = Change("email", "a@x.example", "grant", "news", "email", basis="consent")
        record(session, hasher, grant)
    audience = tmp_path / "audience.csv"
    audience.write_text("id,email\nA,a@x.example\nB,b@x.example\n")
    connection = duckdb.connect(str(tmp_path / "cache.duckdb"))
    with engine.connect() as store:
        refreshed, outcome = screening.refresh_and_screen(store, connection, audience, NEWS, hasher)
    assert refreshed.copied["consent_state"] == 1
    assert outcome.counts == {"consent": 1, "no-consent": 1}


def test_a_bad_audience_stops_the_refresh_and_is_what_is_reported(
    engine: Engine, hasher: Hasher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A long refresh (a first build takes minutes at full size) is stopped at its next batch
    # rather than waited for; the audience's error is the one raised.
    def slow(*_args: Any, progress: Any, **_kwargs: Any) -> Refreshed:
        for _ in range(1000):
            progress(1)
            time.sleep(0.01)
        return Refreshed()

    monkeypatch.setattr(screening, "refresh", slow)
    connection = duckdb.connect()
    started = time.perf_counter()
    with engine.connect() as store, pytest.raises(AudienceError, match="does not exist"):
        screening.refresh_and_screen(store, connection, tmp_path / "none.csv", NEWS, hasher)
    assert time.perf_counter() - started < 5


def test_a_refresh_that_fails_as_well_is_not_lost(
    engine: Engine, hasher: Hasher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Refreshed:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(screening, "refresh", broken)
    connection = duckdb.connect()
    with engine.connect() as store, pytest.raises(AudienceError) as caught:
        screening.refresh_and_screen(store, connection, tmp_path / "none.csv", NEWS, hasher)
    assert "the store went away" in "".join(caught.value.__notes__)


def test_a_failed_refresh_stops_the_screen_before_anything_is_written(
    engine: Engine, hasher: Hasher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Refreshed:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(screening, "refresh", broken)
    audience = tmp_path / "audience.csv"
    audience.write_text("id,email\nA,a@x.example\n")
    connection = duckdb.connect()
    with engine.connect() as store, pytest.raises(RuntimeError, match="went away"):
        screening.refresh_and_screen(store, connection, audience, NEWS, hasher)
    assert not list(tmp_path.glob("audience.*ed.csv"))
