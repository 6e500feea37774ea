"""Hostile YAML: alias bombs, anchors inside themselves and deep nesting are refused fast.

Each runs ``pledge check`` in a child process with its address space capped and a timeout, so
a loader that expands the bomb fails the test instead of taking the machine's memory.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pledge.declaration import DeclarationUnreadable, load_text
from pledge.declaration.source import MAX_ALIAS_NODES, MAX_DEPTH
from tests.declaration.test_errors import BASE

#: The child's address space; the old loader needed 1.9 GB for the smallest bomb here.
MEMORY = 1 << 30
#: The old loader took 14 s on the smallest bomb; this is only how long we wait for it.
PATIENCE = 30

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from click.testing import CliRunner
    from pledge.cli import main
    start = time.monotonic()
    result = CliRunner().invoke(main, ["check", sys.argv[1]])
    print(json.dumps({"code": result.exit_code, "seconds": time.monotonic() - start,
                      "output": result.output}))
    """
)


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _check(path: Path) -> dict[str, object]:
    """``pledge check path`` in a child with bounded memory and time."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            capture_output=True,
            text=True,
            timeout=PATIENCE,
            preexec_fn=_limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"pledge check {path.name} ran for over {PATIENCE} s")
    assert done.returncode == 0, done.stderr[-2000:]
    found: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return found


def _laughs(levels: int, width: int) -> str:
    """The billion laughs: each level a list of ``width`` aliases of the level before."""
    lines = ["controller:", "  name: &l0 lol"]
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"  l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


BOMBS = {
    # 9**9 (387 million) strings from about 500 bytes, like the 406-byte bomb.
    "laughs": (_laughs(9, 9), 7),
    # Fewer levels, wider lists (20**6, 64 million), like the 589-byte one that took 4 GB.
    "wide-laughs": (_laughs(6, 20), 6),
    "self-anchor": ("controller: &me\n  name: x\n  again: *me\n", 3),
    "self-anchor-in-list": ("systems: &s [1, [2, *s]]\n", 1),
    "deep-brackets": ("controller: " + "[" * 50_000 + "]" * 50_000 + "\n", 1),
    "deep-mappings": ("controller: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n", 1),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_hostile_yaml_is_refused_in_under_a_second_with_its_place(
    name: str, tmp_path: Path
) -> None:
    text, line = BOMBS[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    result = _check(path)
    assert result["code"] == 2, result["output"]
    assert float(str(result["seconds"])) < 1.0
    output = str(result["output"])
    assert f"{path}:{line}:" in output
    assert "refused" in output
    assert "Traceback" not in output and "RecursionError" not in output


def test_depth_reached_through_aliases_counts() -> None:
    # Each anchor is shallow, but following the aliases nests far past the limit.
    half = MAX_DEPTH // 2 + 1
    opened, closed = "[" * half, "]" * half
    text = f"controller: {{name: x}}\na: &a {opened}1{closed}\nb: {opened}*a{closed}\n"
    with pytest.raises(DeclarationUnreadable) as caught:
        load_text(text, "pledge.yaml")
    problem = caught.value.problem
    assert problem.place is not None and problem.place.line == 3
    assert f"more than {MAX_DEPTH} levels" in problem.message


def test_alias_total_counts_every_use() -> None:
    # One modest anchor used many times: each use brings its nodes in again.
    items = ", ".join(str(n) for n in range(100))
    uses = MAX_ALIAS_NODES // 100 + 1
    text = f"controller: {{name: x}}\nshared: &s [{items}]\n" + "".join(
        f"u{n}: *s\n" for n in range(uses)
    )
    with pytest.raises(DeclarationUnreadable, match="aliases expand to more than"):
        load_text(text, "pledge.yaml")


def test_a_declaration_sharing_parts_through_anchors_still_loads() -> None:
    merged = BASE.replace(
        "          name: {categories: [user.name]}",
        "          name: &named {categories: [user.name]}",
    ).replace(
        "          line1: {categories: [user.contact.address.street], erase: mask}",
        "          line1: {<<: *named, erase: mask}",
    )
    loaded = load_text(merged, "pledge.yaml")
    field = loaded.declaration.systems["crm"].datasets["address"].fields["line1"]
    assert field.categories == ["user.name"]
