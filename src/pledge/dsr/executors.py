"""The request types answered outside the access code: erasure, restriction, rectification
and objection (the last two with the details stored with the request).

They are reached by name, so the request lifecycle works whether or not those capabilities
are installed; a type with no executor fails the request with a sentence saying so. Nothing
is reported complete that was not done: any error fails the request and is raised again.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from pledge.declaration import Loaded
from pledge.dsr import request_store as requests
from pledge.dsr.ledger import identity_hash
from pledge.dsr.request import State
from pledge.dsr.request_store import RequestView
from pledge.settings import Settings
from pledge.subjects.identity import parse
from pledge.subjects.reach import Choices

#: Request type → "module:function". Each function takes (loaded, identities, *, settings,
#: request_id, store, actor, **the request's details) and raises when it did not finish.
EXECUTORS = {
    "erasure": "pledge.dsr.erasure:erase",
    "restriction": "pledge.dsr.restrict:restrict",
    "rectification": "pledge.dsr.rectify:rectify",  # details: changes
    # Objections reach consent too: composed above both capabilities, in pledge.services.
    "objection": "pledge.services.objection:object_to",  # details: to, purpose, channels, grounds
}
#: Commands that do the same work at once, outside the register (named when a type has
#: no executor installed).
OWN_COMMANDS = {
    "rectification": "pledge rectify",
    "objection": "pledge object",
}


#: Request types that find rows, and so take an operator's choices about shared values.
CHOOSING = frozenset({"erasure", "rectification", "restriction"})


class RequestNotReady(Exception):
    """The request cannot run: wrong state, or no executor for its type."""


def run_elsewhere(
    engine: Engine,
    view: RequestView,
    *,
    loaded: Loaded,
    settings: Settings,
    actor: str,
    choices: Choices | None = None,
) -> RequestView:
    """Run an erasure or restriction request through its executor and record the outcome."""
    run = _executor(view.kind)
    if run is None:
        how = OWN_COMMANDS.get(view.kind)
        message = f"Pledge cannot run {view.kind} requests from the request register yet" + (
            f"; use `{how}` and record the outcome" if how else ""
        )
        requests.move(engine, view.id, State.FAILED, actor=actor, message=message)
        raise RequestNotReady(message)
    try:
        identities = parse((k, v) for k, values in view.identities.items() for v in values)
        result = run(
            loaded,
            identities,
            settings=settings,
            request_id=str(view.id),
            store=engine,
            actor=actor,
            **view.details,
            **({"choices": choices} if choices and view.kind in CHOOSING else {}),
        )
    except Exception as exc:
        # An incomplete erasure carries its result: the certificate says what was done.
        partial: Any = getattr(exc, "result", None)
        outcome = {"certificate": partial.certificate()} if hasattr(partial, "certificate") else {}
        requests.move(engine, view.id, State.FAILED, actor=actor, message=str(exc), outcome=outcome)
        raise
    state, message, outcome = _outcome(view.kind, result)
    forget: dict[str, list[str]] | None = None
    if view.kind == "erasure" and state in (State.COMPLETE, State.COMPLETE_WITH_EXEMPTIONS):
        # The person is gone from the systems; the register keeps only who they were as hashes.
        forget = {}
        for identity in identities:
            hashed = identity_hash(settings.hash_key, identity.kind, identity.value)
            forget.setdefault(identity.kind, []).append(hashed)
    return requests.move(
        engine, view.id, state, actor=actor, message=message, outcome=outcome, forget=forget
    )


def _outcome(kind: str, result: Any) -> tuple[State, str, dict[str, Any]]:
    if hasattr(result, "certificate"):  # an erasure: its certificate goes with the request
        kept = getattr(result, "kept", 0)
        state = State.COMPLETE_WITH_EXEMPTIONS if kept else State.COMPLETE
        message = f"erased {getattr(result, 'erased', 0)} row(s); {kept} kept under exemptions"
        return state, message, {"certificate": result.certificate()}
    if kind == "rectification":  # a list of fields corrected
        done = [dataclasses.asdict(r) for r in result]
        fields = ", ".join(f"{r['system']}.{r['dataset']}.{r['field']} ({r['rows']})" for r in done)
        return State.COMPLETE, f"corrected {fields}", {"corrected": done}
    if kind == "objection":  # the objection recorded, for consent or for the DPO
        due = getattr(result, "due_on", None)
        message = (
            "objection to direct marketing recorded and passed to consent"
            if due is None
            else f"objection recorded for the DPO to decide by {due:%d %B %Y}"
        )
        record = {"objection": result.id, "status": result.status, "due_on": due and str(due)}
        return State.COMPLETE, message, record
    is_record = dataclasses.is_dataclass(result) and not isinstance(result, type)
    details = dataclasses.asdict(result) if is_record else {}
    return State.COMPLETE, f"{kind} done", details


def _executor(kind: str) -> Callable[..., Any] | None:
    target = EXECUTORS.get(kind)
    if target is None:
        return None
    module_name, _, function = target.partition(":")
    try:
        found: Callable[..., Any] = getattr(importlib.import_module(module_name), function)
    except (ImportError, AttributeError):
        return None
    return found
