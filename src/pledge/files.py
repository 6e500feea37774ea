"""Files that rows name: a column holds a path, the declaration says under which folder.

A path comes from the data, so it is never trusted: it must resolve (symbolic links
followed) to a place inside its field's root, or it is refused. A row holding ``../../etc/passwd``
cannot make Pledge read or delete anything outside the folder the declaration names.
Access reads through :func:`inside`.

Deleting is stricter (:func:`entry`): a stored path that is a symbolic link names the link,
never what it points to. The link is checked (its target must be inside the root, and the
caller decides whether some other row names that target) and only the link itself is ever
unlinked; Pledge never deletes a file it reached through a link.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pledge.declaration.model import Dataset


class OutsideRoot(ValueError):
    """A stored path that leaves its root (``..``, an absolute path elsewhere, a link out)."""


def file_fields(dataset: Dataset) -> dict[str, str]:
    """Field name to its declared ``file_root``, for the fields of ``dataset`` that name files."""
    return {name: spec.file_root for name, spec in dataset.fields.items() if spec.file_root}


def root_of(file_root: str, folder: Path) -> Path:
    """The declared root as an absolute, resolved folder (relative to the declaration's)."""
    declared = Path(file_root).expanduser()
    return (declared if declared.is_absolute() else folder / declared).resolve()


def inside(root: Path, stored: object) -> Path:
    """The file a stored path names under ``root``; OutsideRoot when it would leave it."""
    if not isinstance(stored, str) or not stored.strip() or "\x00" in stored:
        raise OutsideRoot(f"{stored!r} is not a file path")
    resolved = (root / stored).resolve()
    if resolved == root or not resolved.is_relative_to(root):
        raise OutsideRoot(f"'{stored}' is outside {root}")
    return resolved


@dataclass(frozen=True)
class Entry:
    """The directory entry a row names: its folders resolved, its last part not followed."""

    path: Path
    #: Where the entry points, resolved, when it is a symbolic link; None otherwise.
    target: Path | None = None


def entry(root: Path, stored: object) -> Entry:
    """The entry ``stored`` names under ``root``, for deleting; OutsideRoot when it, or the
    target of a link, would leave the root.

    >>> entry(root, "2026/call-1.wav")  # doctest: +SKIP
    Entry(path=PosixPath('/srv/recordings/2026/call-1.wav'), target=None)
    """
    if not isinstance(stored, str) or not stored.strip() or "\x00" in stored:
        raise OutsideRoot(f"{stored!r} is not a file path")
    named = root / stored
    if named.name in ("", ".", ".."):
        raise OutsideRoot(f"'{stored}' names a folder, not a file")
    try:
        path = named.parent.resolve() / named.name
    except (OSError, RuntimeError) as exc:
        raise OutsideRoot(f"'{stored}' cannot be followed: {exc}") from None
    if not path.is_relative_to(root) or path == root:
        raise OutsideRoot(f"'{stored}' is outside {root}")
    if not path.is_symlink():
        return Entry(path)
    try:
        target = path.resolve(strict=False)
    except (OSError, RuntimeError):
        raise OutsideRoot(f"'{stored}' is a link that loops") from None
    if target == root or not target.is_relative_to(root):
        raise OutsideRoot(f"'{stored}' is a link to {target}, outside {root}")
    return Entry(path, target)


def remove(path: Path) -> bool:
    """Delete the entry ``path`` (a link itself, never its target); False when already gone.

    The unlink call never follows the last part of a path. The folders were resolved when
    the path was made; one swapped for a link since then is refused rather than followed.
    Other failures raise OSError.
    """
    if os.path.realpath(path.parent) != str(path.parent):
        raise OSError(f"{path.parent} changed into a link; {path.name} was not removed")
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def under(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` (resolved); nothing when the folder does not exist."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.resolve()
