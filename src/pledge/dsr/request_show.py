"""Requests as lines a DPO reads: one request in full, or a table of them by urgency. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pledge.dsr.request import OPEN
from pledge.dsr.request_store import HASHED, RequestView

Event = tuple[datetime, str, str, dict[str, Any]]


def clock_text(view: RequestView, today: date) -> str:
    """The clock in a few words: "due 02 Mar 2026 (5 days left)", "paused", "overdue by 3 days"."""
    if view.clock is None:
        return "clock not started (identity not confirmed)"
    if view.paused:
        return "clock paused for clarification"
    due = view.due
    assert due is not None  # started and not paused
    if view.state not in OPEN:
        return f"was due {due:%d %b %Y}"
    left = (due - today).days
    if left < 0:
        return f"OVERDUE since {due:%d %b %Y} ({-left} day(s))"
    return f"due {due:%d %b %Y} ({left} day(s) left)"


def describe(view: RequestView, trail: Sequence[Event], today: date) -> list[str]:
    """One request in full, with its audit trail."""
    lines = [
        f"Request {view.id}: {view.kind}, {view.state.label}",
        f"  received     {view.received_on:%d %B %Y}",
        f"  identities   {_identities(view)}",
        f"  clock        {clock_text(view, today)}",
    ]
    for key, value in view.details.items():  # what it asks: corrections, what is objected to
        if value:
            lines.append(f"  {key:<12} {_shown(value)}")
    if (verified := view.verification) is not None:
        lines.append(f"  verified     by {verified.by}: {verified.how}")
        if verified.override_reason is not None:
            declared = "+".join(verified.declared) or "none"
            lines.append(
                f"  override     declared {declared} not met; reason: {verified.override_reason}"
            )
    if view.clock is not None:
        lines.append(f"  started      {view.clock.started:%d %B %Y} ({view.clock.rule} rule)")
        for pause in view.clock.pauses:
            until = f"{pause.end:%d %B %Y}" if pause.end else "still waiting"
            lines.append(f"  paused       {pause.start:%d %B %Y} to {until}: {pause.reason}")
        if view.clock.extension is not None:
            ext = view.clock.extension
            lines.append(f"  extended     told {ext.told_on:%d %B %Y}: {ext.reason}")
    if view.message:
        lines.append(f"  outcome      {view.message}")
    if package := view.outcome.get("package"):
        lines.append(f"  package      {package}")
    for warning in view.outcome.get("warnings", []):
        lines.append(f"  warning      {warning}")
    lines.append("  history")
    for at, who, action, _details in trail:
        lines.append(f"    {at:%Y-%m-%d %H:%M} UTC  {action.removeprefix('request.'):<24} {who}")
    return lines


def table(views: Sequence[RequestView], today: date) -> list[str]:
    """Requests one per line, as given (the store lists the most urgent first)."""
    if not views:
        return ["no requests"]
    lines = [f"{'ID':>5}  {'TYPE':<13} {'STATE':<25} {'RECEIVED':<11} CLOCK"]
    for v in views:
        lines.append(
            f"{v.id:>5}  {v.kind:<13} {v.state.label:<25} {v.received_on:%Y-%m-%d}  "
            f"{clock_text(v, today)}"
        )
    return lines


def _identities(view: RequestView) -> str:
    return "; ".join(
        f"{k.replace('_', ' ')} {', '.join(_identity(value) for value in v)}"
        for k, v in view.identities.items()
    )


def _identity(value: str) -> str:
    if value.startswith(HASHED):
        return f"erased (keyed hash {value.removeprefix(HASHED)[:16]}...)"
    return value


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k} = {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
