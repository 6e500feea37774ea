"""Read YAML while remembering where every key and item came from (file, line, column)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Place:
    """A position in a declaration file; lines and columns count from 1."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class Problem:
    """One thing wrong with a declaration, said so that a DPO understands it."""

    place: Place | None
    where: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        at = f"{self.place}: " if self.place else ""
        where = f"{self.where}: " if self.where else ""
        return f"{at}{self.severity}: {where}{self.message}"


class SourceError(Exception):
    """The file is not readable YAML (syntax error, or not a mapping at the top)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Source:
    """Parsed YAML data plus the place of every mapping key and sequence item."""

    file: str
    data: Any
    places: dict[Path_, Place]
    duplicates: list[tuple[Path_, Place, Place]]

    def place(self, path: Path_) -> Place | None:
        """The place of ``path`` or, failing that, of its nearest ancestor."""
        for cut in range(len(path), -1, -1):
            found = self.places.get(path[:cut])
            if found is not None:
                return found
        return None


def _place(file: str, mark: yaml.Mark | None) -> Place:
    if mark is None:
        return Place(file, 1, 1)
    return Place(file, mark.line + 1, mark.column + 1)


def parse(text: str, file: str) -> Source:
    """Parse YAML text into plain data, noting positions; raise SourceError if it is not YAML."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "not valid YAML"
        raise SourceError(
            Problem(_place(file, mark), "", f"this is not valid YAML ({what})")
        ) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - other scanner errors carry no mark
        raise SourceError(
            Problem(Place(file, 1, 1), "", f"this is not valid YAML ({exc})")
        ) from exc
    places: dict[Path_, Place] = {(): Place(file, 1, 1)}
    duplicates: list[tuple[Path_, Place, Place]] = []
    constructor = yaml.SafeLoader("")

    def build(node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            constructor.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool) or key is None:
                    key = str(key)
                child = (*path, str(key)) if not isinstance(key, str) else (*path, key)
                here = _place(file, key_node.start_mark)
                if child in places and child[-1] in out:
                    duplicates.append((child, here, places[child]))
                    continue
                places[child] = here
                out[child[-1]] = build(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                places[(*path, index)] = _place(file, item.start_mark)
                items.append(build(item, (*path, index)))
            return items
        return constructor.construct_object(node, deep=True)

    data = {} if root is None else build(root, ())
    if root is not None:
        places[()] = _place(file, root.start_mark)
    if not isinstance(data, dict):
        raise SourceError(
            Problem(
                places[()],
                "",
                "a declaration must be a mapping of sections (controller, systems, ...)",
            )
        )
    return Source(file=file, data=data, places=places, duplicates=duplicates)


def describe(path: Path_) -> str:
    """A path as people read it: systems.crm.datasets.customer.fields.email.categories[0]."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
