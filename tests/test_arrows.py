"""The architecture's arrows, read from the source: capabilities never import one another.

Requests (``dsr``), consent and retention each stand on ``subjects`` (identities, hashing,
reach, the plan runner), the declaration, connectors, rules and the store. Work that needs
two capabilities is composed in ``services``. The pure rooms (``declaration``, ``rules``)
do no I/O and import no capability. Every ``import`` and ``from ... import`` is read with
``ast``, including those inside functions (a lazy import is still an arrow).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "pledge"
CAPABILITIES = ("dsr", "consent", "retention")
#: Room → rooms it must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "dsr": ("consent", "retention", "services"),
    "consent": ("dsr", "retention", "services"),
    "retention": ("dsr", "consent", "services"),
    "subjects": (*CAPABILITIES, "services", "notice"),
    "declaration": (*CAPABILITIES, "subjects", "connectors", "store", "services"),
    "rules": (*CAPABILITIES, "subjects", "connectors", "store", "services"),
    "connectors": (*CAPABILITIES, "subjects", "store", "services"),
    "store": (*CAPABILITIES, "subjects", "services"),
}


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every absolute import of a ``pledge`` module in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            # ``from pledge import dsr`` names a room too.
            if node.module == "pledge":
                out += [(node.lineno, f"pledge.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in out if name.startswith("pledge.")]


def crossings(room: str) -> list[str]:
    banned = FORBIDDEN[room]
    out: list[str] = []
    for path in sorted((SRC / room).rglob("*.py")):
        for line, name in imports(path):
            target = name.split(".")[1]
            if target in banned:
                out.append(f"{path.relative_to(SRC.parent)}:{line} imports {name}")
    return out


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_no_room_imports_what_it_must_not(room: str) -> None:
    assert crossings(room) == []


def test_the_check_sees_an_arrow_when_there_is_one(tmp_path: Path) -> None:
    # The reader itself: a function-level import and a "from pledge import x" both count.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from pledge.consent.ledger import record\n"
        "def late():\n"
        "    import pledge.retention.sweep\n"
        "from pledge import dsr\n"
        "from . import sibling\n",
        encoding="utf-8",
    )
    found = {name for _, name in imports(sample)}
    assert found == {"pledge.consent.ledger", "pledge.retention.sweep", "pledge.dsr"}
