"""Find a person's rows by running a plan: the names erasure, rectification, restriction,
holds and identity checks use. The runner itself is :mod:`pledge.subjects.reach`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pledge.subjects.plan import Step
from pledge.subjects.reach import Found, locate

#: Columns a caller wants read for each step (every column is read; kept for the callers).
Wanted = Callable[[Step], Iterable[str]]

__all__ = ["Found", "Wanted", "locate"]
