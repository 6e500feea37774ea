"""The request lifecycle: the table of allowed moves, and the clock changes it validates."""

from __future__ import annotations

from datetime import date

import pytest

from pledge.dsr.request import (
    OPEN,
    TRANSITIONS,
    State,
    TransitionRefused,
    check_move,
    extended,
    is_paused,
    new_clock,
    paused,
    resumed,
)
from pledge.rules.deadline import ClockError

ALLOWED = {
    (State.RECEIVED, State.AWAITING_VERIFICATION),
    (State.RECEIVED, State.IN_PROGRESS),
    (State.RECEIVED, State.FAILED),
    (State.AWAITING_VERIFICATION, State.IN_PROGRESS),
    (State.AWAITING_VERIFICATION, State.FAILED),
    (State.IN_PROGRESS, State.COMPLETE),
    (State.IN_PROGRESS, State.COMPLETE_WITH_EXEMPTIONS),
    (State.IN_PROGRESS, State.FAILED),
    (State.FAILED, State.IN_PROGRESS),
}


@pytest.mark.parametrize("current", list(State))
@pytest.mark.parametrize("target", list(State))
def test_every_pair_of_states(current: State, target: State) -> None:
    if (current, target) in ALLOWED:
        check_move(current, target)
    else:
        with pytest.raises(TransitionRefused):
            check_move(current, target)


def test_the_table_covers_every_state_and_finished_states_are_final() -> None:
    assert set(TRANSITIONS) == set(State)
    assert TRANSITIONS[State.COMPLETE] == TRANSITIONS[State.COMPLETE_WITH_EXEMPTIONS] == set()
    assert State.COMPLETE not in OPEN and State.FAILED in OPEN


def test_refusals_say_what_is_allowed() -> None:
    with pytest.raises(TransitionRefused, match="it can become: complete, complete with"):
        check_move(State.IN_PROGRESS, State.RECEIVED)
    with pytest.raises(TransitionRefused, match="it is finished"):
        check_move(State.COMPLETE, State.FAILED)


def test_pause_and_resume_move_the_due_date() -> None:
    clock = new_clock(date(2026, 9, 9), rule="one-calendar-month", region="england-and-wales")
    assert clock.due() == date(2026, 10, 9)
    stopped = paused(clock, date(2026, 9, 14), "which account do you mean?")
    assert is_paused(stopped) and stopped.due() is None
    running = resumed(stopped, date(2026, 9, 24))
    assert not is_paused(running)
    assert running.due() == date(2026, 10, 19)  # ten paused days; a Monday


def test_pause_rules() -> None:
    clock = new_clock(date(2026, 9, 9), rule="one-calendar-month", region="england-and-wales")
    with pytest.raises(ClockError, match="needs a reason"):
        paused(clock, date(2026, 9, 10), "  ")
    with pytest.raises(ClockError, match="cannot be paused before"):
        paused(clock, date(2026, 9, 1), "clarify")
    stopped = paused(clock, date(2026, 9, 10), "clarify")
    with pytest.raises(ClockError, match="already paused"):
        paused(stopped, date(2026, 9, 11), "again")
    with pytest.raises(ClockError, match="cannot end before"):
        resumed(stopped, date(2026, 9, 9))
    with pytest.raises(ClockError, match="not paused"):
        resumed(clock, date(2026, 9, 11))
    again = resumed(stopped, date(2026, 9, 12))
    with pytest.raises(ClockError, match="before the last one ended"):
        paused(again, date(2026, 9, 11), "overlap")


def test_extension_rules() -> None:
    clock = new_clock(date(2026, 9, 9), rule="one-calendar-month", region="england-and-wales")
    longer = extended(clock, "forty years of call recordings", date(2026, 9, 30))
    assert longer.due() == date(2026, 12, 9)
    with pytest.raises(ClockError, match="already been extended"):
        extended(longer, "again", date(2026, 9, 30))
    with pytest.raises(ClockError, match="within the first month"):
        extended(clock, "complex", date(2026, 10, 12))
    with pytest.raises(ClockError, match="needs a reason"):
        extended(clock, "", date(2026, 9, 30))
    with pytest.raises(ClockError, match="before the clock"):
        extended(clock, "complex", date(2026, 9, 1))
