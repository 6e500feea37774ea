"""A data subject request's lifecycle: its states, the moves allowed between them, its clock.

Pure: no I/O. :mod:`pledge.dsr.request_store` applies these rules to stored requests and
writes every move to the audit log.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import StrEnum

from pledge.rules.deadline import Clock, ClockError, Extension, Pause, Region, Rule


class State(StrEnum):
    """Where a request stands. The values are what the store and the audit log hold."""

    RECEIVED = "received"
    AWAITING_VERIFICATION = "awaiting-verification"
    IN_PROGRESS = "in-progress"
    COMPLETE = "complete"
    FAILED = "failed"
    COMPLETE_WITH_EXEMPTIONS = "complete-with-exemptions"

    @property
    def label(self) -> str:
        """The state as a person reads it ("awaiting verification")."""
        return self.value.replace("-", " ")


#: Every move a request may make. A failed request may be run again once the cause is fixed
#: (a system that was down is back); a finished one never moves again, so an answer that was
#: sent cannot be silently re-opened: a new request is logged instead.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.AWAITING_VERIFICATION, State.IN_PROGRESS, State.FAILED}),
    State.AWAITING_VERIFICATION: frozenset({State.IN_PROGRESS, State.FAILED}),
    State.IN_PROGRESS: frozenset({State.COMPLETE, State.COMPLETE_WITH_EXEMPTIONS, State.FAILED}),
    State.FAILED: frozenset({State.IN_PROGRESS}),
    State.COMPLETE: frozenset(),
    State.COMPLETE_WITH_EXEMPTIONS: frozenset(),
}

#: States in which the statutory clock still matters.
OPEN = frozenset({State.RECEIVED, State.AWAITING_VERIFICATION, State.IN_PROGRESS, State.FAILED})


class TransitionRefused(ValueError):
    """A move the lifecycle does not allow; the message says which moves are allowed."""


def check_move(current: State, target: State) -> None:
    """Raise :class:`TransitionRefused` unless a request in ``current`` may move to ``target``.

    >>> check_move(State.RECEIVED, State.AWAITING_VERIFICATION)
    """
    allowed = TRANSITIONS[current]
    if target in allowed:
        return
    if not allowed:
        raise TransitionRefused(
            f"a request that is {current.label} cannot become {target.label}; it is finished"
        )
    options = ", ".join(sorted(s.label for s in allowed))
    raise TransitionRefused(
        f"a request that is {current.label} cannot become {target.label} "
        f"(from {current.label} it can become: {options})"
    )


def new_clock(started: date, *, rule: Rule, region: Region) -> Clock:
    """The clock of a request whose day one is ``started``."""
    return Clock(started=started, rule=rule, region=region)


def paused(clock: Clock, on: date, reason: str) -> Clock:
    """The clock stopped on ``on`` to ask the person for clarification."""
    if not reason.strip():
        # The ICO allows pausing to clarify, not on a blanket basis: the reason is the record.
        raise ClockError("a pause needs a reason: what was the person asked to clarify?")
    if on < clock.started:
        raise ClockError(
            f"the clock started on {clock.started:%d %B %Y}; it cannot be paused before that"
        )
    if any(p.end is None for p in clock.pauses):
        raise ClockError("the clock is already paused; resume it before pausing again")
    last_end = max((p.end for p in clock.pauses if p.end is not None), default=None)
    if last_end is not None and on < last_end:
        raise ClockError(f"a new pause cannot start before the last one ended ({last_end})")
    return replace(clock, pauses=(*clock.pauses, Pause(on, None, reason.strip())))


def resumed(clock: Clock, on: date) -> Clock:
    """The clock running again from ``on``, when the clarification arrived."""
    open_pauses = [p for p in clock.pauses if p.end is None]
    if not open_pauses:
        raise ClockError("the clock is not paused")
    pause = open_pauses[0]
    if on < pause.start:
        raise ClockError(f"the pause began on {pause.start:%d %B %Y}; it cannot end before that")
    closed = tuple(replace(p, end=on) if p is pause else p for p in clock.pauses)
    return replace(clock, pauses=closed)


def extended(clock: Clock, reason: str, told_on: date) -> Clock:
    """The clock with the two-month extension, checked against the ICO's conditions."""
    if clock.extension is not None:
        raise ClockError("the request has already been extended; the law allows one extension")
    if not reason.strip():
        raise ClockError("an extension needs a reason (why the request is complex or numerous)")
    if told_on < clock.started:
        raise ClockError(
            f"the person cannot have been told on {told_on:%d %B %Y}, before the clock "
            f"started on {clock.started:%d %B %Y}"
        )
    longer = replace(clock, extension=Extension(reason.strip(), told_on))
    longer.due()  # raises ClockError when the person was told after the first month
    return longer


def is_paused(clock: Clock) -> bool:
    """Whether the clock is stopped waiting for clarification."""
    return any(p.end is None for p in clock.pauses)
