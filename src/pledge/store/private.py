"""Files only their owner may read: Pledge's store and the caches built from it.

They hold keyed hashes, consent evidence and request details; a permissive umask (a shared
server's 002, a container's 000) must not make them readable by other accounts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_MODE, FOLDER_MODE = 0o600, 0o700


def private_folder(folder: Path) -> None:
    """Make ``folder`` (and missing parents) if needed; the ones made here are owner-only."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for made in missing:
        os.chmod(made, FOLDER_MODE)


def private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only if it does not exist; an existing file is kept."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    except FileExistsError:
        return


@contextmanager
def private_umask() -> Iterator[None]:
    """Files created inside are owner-only, for libraries that create files themselves."""
    # The umask is the process's: another thread creating a file meanwhile gets it stricter,
    # never looser.
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
