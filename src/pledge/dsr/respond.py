"""Answer a stored request end to end: plan it, run it, package it, and move it to its outcome.

The one place the CLI, the API and the job runner go to run a request. Access and portability
are answered here; erasure-type requests go to their executor when one is installed, and a
request type with no executor fails loudly: nothing is ever reported complete that was not done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from pledge import files
from pledge.connectors import Connector, Row
from pledge.declaration import Loaded
from pledge.dsr import request_store as requests
from pledge.dsr.access import read_subject
from pledge.dsr.disclosure import disclose
from pledge.dsr.drift import check_datasets
from pledge.dsr.executors import RequestNotReady, run_elsewhere
from pledge.dsr.package import PackageWriter
from pledge.dsr.report import Answer, Preview, render
from pledge.dsr.request import State
from pledge.dsr.request_store import RequestView
from pledge.settings import Settings
from pledge.store.database import audit
from pledge.subjects.identity import Identity, parse
from pledge.subjects.plan import Plan, make_plan
from pledge.subjects.reach import Choices
from pledge.subjects.systems import open_systems

__all__ = ["ANSWERED_HERE", "Outcome", "RequestNotReady", "answer", "identities_of", "package_name"]

ANSWERED_HERE = frozenset({"access", "portability"})


@dataclass(frozen=True)
class Outcome:
    """What running a request did."""

    request: RequestView
    package: Path | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    warnings: Sequence[str] = ()


def answer(
    engine: Engine,
    request_id: int,
    *,
    loaded: Loaded,
    settings: Settings,
    out: Path,
    passphrase: str | None = None,
    actor: str,
    now: datetime | None = None,
    progress: Callable[[str, int], None] | None = None,
    connectors: Mapping[str, Connector] | None = None,
    choices: Choices | None = None,
) -> Outcome:
    """Run request ``request_id``; on failure the request is failed with the reason, and the
    error is raised again for the caller to show.

    ``connectors`` are systems a long-lived caller keeps open across requests (used, not
    closed); any other system the plan reads is opened for this request and closed after.
    """
    view = requests.get(engine, request_id)
    if view.state is State.FAILED:
        view = requests.move(
            engine, request_id, State.IN_PROGRESS, actor=actor, message="run again"
        )
    if view.state is not State.IN_PROGRESS:
        hint = (
            f"; confirm it first with `pledge request verify {request_id}`"
            if view.state is State.AWAITING_VERIFICATION
            else ""
        )
        raise RequestNotReady(f"request {request_id} is {view.state.label}{hint}")
    if choices:
        # An operator's decision about a shared identity value: on the record, with who made it.
        audit(
            engine,
            actor=actor,
            action="request.choice",
            subject=str(request_id),
            details=choices.describe(),
        )
    if view.kind not in ANSWERED_HERE:
        return Outcome(
            run_elsewhere(
                engine, view, loaded=loaded, settings=settings, actor=actor, choices=choices
            )
        )
    try:
        return _access(
            engine,
            view,
            loaded=loaded,
            environ=settings.environ,
            out=out,
            passphrase=passphrase,
            actor=actor,
            now=now or datetime.now(UTC),
            progress=progress,
            connectors=connectors,
            choices=choices,
        )
    except Exception as exc:
        # Whatever went wrong, the request must not stay "in progress" looking alive.
        system = getattr(exc, "system", None)
        requests.move(
            engine,
            request_id,
            State.FAILED,
            actor=actor,
            message=str(exc),
            outcome={"failed_system": system} if system else {},
        )
        raise


def identities_of(view: RequestView) -> list[Identity]:
    """The request's identities, normalised."""
    return parse((kind, value) for kind, values in view.identities.items() for value in values)


def package_name(view: RequestView, now: datetime) -> str:
    """``access-42-20260201T120000Z.zip``: one request, one moment, never overwritten."""
    return f"{view.kind}-{view.id}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.zip"


def _access(
    engine: Engine,
    view: RequestView,
    *,
    loaded: Loaded,
    environ: Mapping[str, str],
    out: Path,
    passphrase: str | None,
    actor: str,
    now: datetime,
    progress: Callable[[str, int], None] | None,
    connectors: Mapping[str, Connector] | None,
    choices: Choices | None = None,
) -> Outcome:
    declaration = loaded.declaration
    plan = make_plan(declaration, identities_of(view))
    warnings = _warnings(plan)
    out.mkdir(parents=True, exist_ok=True)
    path = out / package_name(view, now)
    with (
        open_systems(
            declaration, plan, environ=environ, folder=loaded.folder, reuse=connectors
        ) as systems,
        PackageWriter(path, passphrase=passphrase, files=_file_roots(loaded, plan)) as package,
    ):
        for step in plan.steps:  # a declared column gone from the table: named, not skipped
            check_datasets(declaration, step.system, systems[step.system], [step.dataset])

        def add(dotted: str, batches: Iterable[list[Row]]) -> int:
            written = package.add(dotted, batches)
            if progress is not None:
                progress(dotted, written)
            return written

        counts = read_subject(plan, systems, add, choices=choices)

        def report(previews: Mapping[str, Preview]) -> str:
            answer = Answer(str(view.id), now, view.identities, previews, package.files)
            return render(disclose(declaration, counts), answer)

        header: dict[str, Any] = {
            "controller": declaration.controller.name,
            "request": view.id,
            "kind": view.kind,
            "generated_at": now.isoformat(),
            "identities": {k: list(v) for k, v in view.identities.items()},
        }
        package.finish(header, report)
    total = sum(counts.values())
    message = f"answered: {total} record(s) in {sum(1 for c in counts.values() if c)} dataset(s)"
    done = requests.move(
        engine,
        view.id,
        State.COMPLETE,
        actor=actor,
        message=message,
        outcome={"package": str(path), "rows": counts, "warnings": warnings},
    )
    return Outcome(done, path, counts, warnings)


def _file_roots(loaded: Loaded, plan: Plan) -> dict[str, dict[str, Path]]:
    """Per dataset the plan reads, its file fields and their resolved roots."""
    out: dict[str, dict[str, Path]] = {}
    for step in plan.steps:
        dataset = loaded.declaration.systems[step.system].datasets[step.dataset]
        fields = files.file_fields(dataset)
        if fields:
            out[step.dotted] = {n: files.root_of(r, loaded.folder) for n, r in fields.items()}
    return out


def _warnings(plan: Plan) -> list[str]:
    out = [
        f"{dotted} holds personal data but no identity or reference reaches it; it was not searched"
        for dotted in plan.unreachable
    ]
    out += [f"no declared field holds identity kind '{kind}'" for kind in plan.unused]
    return out
