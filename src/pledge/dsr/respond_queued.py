"""Answer every queued access and portability request together.

The requests whose identity is confirmed (in progress) are read in one batch through
:func:`pledge.dsr.access_batch.access_many` (one query per dataset per round, not per
person), and each is moved to complete with what :func:`pledge.dsr.respond.answer` records:
its package, its rows per dataset and the plan's warnings. A request that must stop
(ambiguous identity, blast radius) is failed with the reason and gets no package; the others
go on. If the batch fails, every request in it is failed with the reason and the error is
raised again for the caller to show.
Requests of other types are left for ``pledge request run ID``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from pledge.declaration import Loaded
from pledge.dsr import request_store as requests
from pledge.dsr.access_batch import WORKERS, access_many
from pledge.dsr.request import State
from pledge.dsr.respond import ANSWERED_HERE, Outcome, _warnings, identities_of
from pledge.settings import Settings
from pledge.subjects.plan import make_plan
from pledge.subjects.reach import ReachStopped

__all__ = ["answer_queued", "queued"]


def queued(engine: Engine) -> list[requests.RequestView]:
    """The access and portability requests in progress, oldest first."""
    views = requests.find(engine, open_only=True)
    ready = [v for v in views if v.state is State.IN_PROGRESS and v.kind in ANSWERED_HERE]
    return sorted(ready, key=lambda v: v.id)


def answer_queued(
    engine: Engine,
    *,
    loaded: Loaded,
    settings: Settings,
    out: Path,
    passphrase: str | None = None,
    actor: str,
    now: datetime | None = None,
    workers: int = WORKERS,
) -> list[Outcome]:
    """Answer every queued access and portability request; one outcome per request."""
    views = queued(engine)
    if not views:
        return []
    now = now or datetime.now(UTC)
    subjects = [identities_of(v) for v in views]
    counts: dict[int, dict[str, int]] = {}
    stops: dict[int, ReachStopped] = {}
    stamp = f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    try:
        paths = access_many(
            loaded,
            subjects,
            environ=settings.environ,
            out=out,
            names=[f"{v.id}-{stamp}" for v in views],
            now=now,
            passphrase=passphrase,
            found=lambda index, found: counts.__setitem__(index, found),
            stopped=lambda index, why: stops.__setitem__(index, why),
            workers=workers,
        )
    except Exception as exc:
        system = getattr(exc, "system", None)
        for view in views:
            requests.move(
                engine,
                view.id,
                State.FAILED,
                actor=actor,
                message=str(exc),
                outcome={"failed_system": system} if system else {},
            )
        raise
    outcomes: list[Outcome] = []
    written = iter(paths)
    for index, view in enumerate(views):
        if index in stops:
            # This person's request must stop (ambiguous, or beyond its reach); the others go on.
            failed = requests.move(
                engine, view.id, State.FAILED, actor=actor, message=str(stops[index])
            )
            outcomes.append(Outcome(failed, None, {}, [str(stops[index])]))
            continue
        path = next(written)
        rows = counts[index]
        warnings = _warnings(make_plan(loaded.declaration, subjects[index]))
        total = sum(rows.values())
        places = sum(1 for c in rows.values() if c)
        done = requests.move(
            engine,
            view.id,
            State.COMPLETE,
            actor=actor,
            message=f"answered: {total} record(s) in {places} dataset(s)",
            outcome={"package": str(path), "rows": rows, "warnings": warnings},
        )
        outcomes.append(Outcome(done, path, rows, warnings))
    return outcomes
