"""Files that rows name: a column holds a path, the declaration says under which folder.

A path comes from the data, so it is never trusted: it must resolve (symbolic links
followed) to a place inside its field's root, or it is refused. A row holding ``../../etc/passwd``
cannot make Pledge read or delete anything outside the folder the declaration names.
Retention, erasure and access all go through :func:`inside`.
"""

from __future__ import annotations

from collections.abc import Iterator
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


def remove(path: Path) -> bool:
    """Delete ``path``; False when it was already gone. Other failures raise OSError."""
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
