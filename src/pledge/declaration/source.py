"""Read YAML while remembering where every key and item came from (file, line, column).

YAML aliases let a few hundred bytes stand for billions of nodes (the "billion laughs"), an
anchor can refer to itself, and brackets can nest deeper than Python's stack. The loader
counts while it composes, before anything is expanded: every node an alias brings in again,
and how deep the document nests once aliases are followed. Past :data:`MAX_ALIAS_NODES` or
:data:`MAX_DEPTH` the file is refused, at the line of the alias or bracket that went over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import yaml

Path_ = tuple[str | int, ...]

#: Most nodes that aliases may bring in again, over the whole file. A declaration that shares a
#: field's description through ``&anchor`` / ``*alias`` uses a few per field; ten thousand
#: fields' worth is far past any real estate and still checked in a fraction of a second.
MAX_ALIAS_NODES = 50_000
#: Deepest nesting, aliases followed. A declaration's deepest path
#: (``systems.crm.datasets.customer.fields.email.categories[0]``) is eight levels.
MAX_DEPTH = 64


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


class _Refused(yaml.MarkedYAMLError):
    """YAML that is well formed but too large or too deep once its aliases are expanded."""


class _CountingLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting what each node expands to as it is composed.

    Each composed node gets its expanded size (nodes, aliases followed) and height. An alias
    adds its anchor's size to the running total and its height to the depth where it
    stands; an alias to a node still being composed (no size yet) is an anchor inside itself.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._through_aliases = 0
        self._weights: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        # The pure-Python loader makes only yaml.error.Mark; the stubs allow the C one too.
        mark = cast("yaml.Mark | None", event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None:
                self._follow(target, mark)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(
                problem=f"it nests more than {MAX_DEPTH} levels deep; a declaration needs "
                "fewer than ten",
                problem_mark=mark,
            )
        node = super().compose_node(parent, index)
        self._depth -= 1
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        weights = [self._weights[id(child)] for child in children]
        size = 1 + sum(weight[0] for weight in weights)
        height = 1 + max((weight[1] for weight in weights), default=0)
        self._weights[id(node)] = (size, height)
        return node

    def _follow(self, target: yaml.Node, mark: yaml.Mark | None) -> None:
        weight = self._weights.get(id(target))
        if weight is None:
            raise _Refused(
                problem="this alias refers to the anchor it stands inside, so it never ends",
                problem_mark=mark,
            )
        size, height = weight
        self._through_aliases += size
        if self._through_aliases > MAX_ALIAS_NODES:
            raise _Refused(
                problem=f"its aliases expand to more than {MAX_ALIAS_NODES:,} nodes; "
                "write the repeated parts out, or share less through anchors",
                problem_mark=mark,
            )
        if self._depth + height > MAX_DEPTH:
            raise _Refused(
                problem=f"with this alias it nests more than {MAX_DEPTH} levels deep",
                problem_mark=mark,
            )


def _place(file: str, mark: yaml.Mark | None) -> Place:
    if mark is None:
        return Place(file, 1, 1)
    return Place(file, mark.line + 1, mark.column + 1)


def parse(text: str, file: str) -> Source:
    """Parse YAML text into plain data, noting positions; raise SourceError if it is not YAML."""
    try:
        root = yaml.compose(text, Loader=_CountingLoader)
    except _Refused as exc:
        raise SourceError(
            Problem(_place(file, exc.problem_mark), "", f"refused: {exc.problem}")
        ) from None
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
