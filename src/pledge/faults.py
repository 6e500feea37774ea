"""Named points where a test may kill Pledge, to prove its records survive a crash.

``PLEDGE_FAULT=erasure.intent-written:marketing`` (a comma-separated list) makes the process
kill itself with SIGKILL when it reaches that point: no ``finally``, no flush, as when the
machine loses power. Nothing is read unless the variable is set; production never sets it.
"""

from __future__ import annotations

import os
import signal

VARIABLE = "PLEDGE_FAULT"


def point(name: str, where: str = "") -> None:
    """Die here if the environment names this point (``name`` or ``name:where``)."""
    wanted = os.environ.get(VARIABLE)
    if not wanted:
        return
    here = {name, f"{name}:{where}"} if where else {name}
    if here & {w.strip() for w in wanted.split(",")}:
        os.kill(os.getpid(), signal.SIGKILL)
