"""Wrong codes are counted atomically: guesses made all at once, each on its own connection to
the store, get no more comparisons than the limit on any store engine."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pledge.declaration import load_text
from pledge.dsr import request_store as requests
from pledge.dsr.challenge import send_code
from pledge.dsr.request import State
from pledge.dsr.verification import check
from pledge.rules.verification import Verdict
from pledge.settings import Settings
from pledge.store import AuditEvent, make_engine, session_factory, upgrade
from pledge.store.request_tables import ChallengeRow
from tests.dsr.declarations import ACCESS_YAML
from tests.fixtures.keys import TEST_HASH_KEY

GUESSES = 40
LIMIT = 5
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'pledge.sqlite'}"
    else:
        make: Callable[[], str] = request.getfixturevalue(f"{request.param}_database")
        url = make()
    made = Settings(database_url=url, hash_key=TEST_HASH_KEY, code_attempts=LIMIT)
    upgrade(made)
    return made


def test_parallel_wrong_guesses_check_exactly_the_limit(settings: Settings) -> None:
    loaded = load_text(ACCESS_YAML)
    bodies: list[str] = []

    def mailer(_settings: Settings, **message: Any) -> str:
        bodies.append(message["body"])
        return "sent"

    engine = make_engine(settings)
    try:
        rid = requests.open_request(
            engine,
            kind="access",
            identities={"email": ["ada@example.org"]},
            rights=loaded.declaration.rights,
            received_on=NOW.date(),
            actor="dpo",
        ).id
        send_code(
            engine, rid, loaded=loaded, settings=settings, actor="dpo", now=NOW, mailer=mailer
        )
    finally:
        engine.dispose()
    found = re.search(r"\b(\d{6})\b", bodies[-1])
    assert found is not None
    right = found.group(1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    start = threading.Barrier(GUESSES)
    verdicts: list[Verdict] = []
    errors: list[BaseException] = []

    def guess() -> None:
        # Each guesser is its own client: its own engine, so its own connection.
        mine = make_engine(settings)
        try:
            start.wait()
            checked = check(
                mine, rid, loaded=loaded, settings=settings, actor="guesser", code=wrong, now=NOW
            )
            verdicts.append(checked.verdict)
        except BaseException as exc:  # reported below, with the verdicts
            errors.append(exc)
        finally:
            mine.dispose()

    threads = [threading.Thread(target=guess) for _ in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counted = Counter(verdicts)
    assert counted == {
        Verdict.WRONG: LIMIT - 1,
        Verdict.LOCKED: 1,
        Verdict.ALREADY_LOCKED: GUESSES - LIMIT,
    }

    engine = make_engine(settings)
    try:
        after = check(
            engine, rid, loaded=loaded, settings=settings, actor="dpo", code=right, now=NOW
        )
        assert after.verdict is Verdict.ALREADY_LOCKED
        assert requests.get(engine, rid).state is State.AWAITING_VERIFICATION
        with session_factory(engine)() as session:
            (row,) = session.scalars(sa.select(ChallengeRow)).all()
            actions = Counter(
                session.scalars(
                    sa.select(AuditEvent.action).where(AuditEvent.subject == f"request:{rid}")
                )
            )
    finally:
        engine.dispose()
    assert row.attempts == LIMIT and row.locked_at is not None and row.passed_at is None
    # Every code compared is in the audit log; every refusal too.
    assert actions["request.check-wrong"] + actions["request.check-locked"] == LIMIT
    assert actions["request.check-already-locked"] == GUESSES - LIMIT + 1
