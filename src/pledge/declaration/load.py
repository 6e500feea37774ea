"""Load a declaration: parse, validate every part, report every problem at once."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from pledge.declaration import checks
from pledge.declaration.duration import Duration
from pledge.declaration.model import SECTIONS, Declaration
from pledge.declaration.source import Path_, Problem, Source, SourceError, describe, parse


class DeclarationUnreadable(Exception):
    """The file cannot be read as YAML at all (missing, unreadable, syntax error)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class DeclarationInvalid(Exception):
    """The declaration was read but is wrong; ``problems`` lists everything found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"the declaration has {count} problem{'s' if count != 1 else ''}:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


@dataclass
class Loaded:
    """A valid declaration and where it came from."""

    declaration: Declaration
    source: Source
    path: Path | None = None
    warnings: list[Problem] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        """The folder relative connection paths are resolved from."""
        return self.path.parent if self.path is not None else Path.cwd()


def load_file(path: Path) -> Loaded:
    """Read and validate the declaration at ``path``.

    Raises DeclarationUnreadable (missing file, not YAML) or DeclarationInvalid (all problems).
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeclarationUnreadable(
            Problem(
                None,
                name,
                "there is no such file; pass the declaration's path "
                "or run inside the folder that holds pledge.yaml",
            )
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DeclarationUnreadable(Problem(None, name, f"cannot be read ({exc})")) from None
    loaded = load_text(text, name)
    loaded.path = path
    return loaded


def load_text(text: str, file: str = "<declaration>") -> Loaded:
    """Validate declaration text; ``file`` names it in messages."""
    try:
        source = parse(text, file)
    except SourceError as exc:
        raise DeclarationUnreadable(exc.problem) from None
    problems = [
        Problem(
            here, describe(path), f"'{path[-1]}' is declared twice (first at line {first.line})"
        )
        for path, here, first in source.duplicates
    ]
    try:
        declaration: Declaration | None = Declaration.model_validate(source.data)
    except ValidationError as exc:
        declaration = None
        problems.extend(_translate(exc, source, ()))
    parts = _parts(source, declaration)
    problems.extend(checks.check(parts, source))
    problems.sort(key=lambda p: (p.place.line, p.place.column) if p.place else (0, 0))
    errors = [p for p in problems if p.severity == "error"]
    if errors or declaration is None:
        raise DeclarationInvalid(errors or problems)
    return Loaded(declaration, source, warnings=[p for p in problems if p.severity != "error"])


def _parts(source: Source, whole: Declaration | None) -> checks.Parts:
    """The valid parts of a declaration, so cross-section checks run even when some fail."""
    best = whole if whole is not None else _salvage(Declaration, source.data)
    if not isinstance(best, Declaration):
        best = None
    return checks.Parts(
        systems=dict(best.systems) if best else {},
        purposes=dict(best.purposes) if best else {},
        recipients=dict(best.recipients) if best else {},
        retention=dict(best.retention) if best else {},
        marketing=best.marketing if best else None,
        names=_names(source.data),
    )


def _salvage(model: type[BaseModel], raw: Any) -> BaseModel | None:
    """Validate what can be validated of ``raw``: invalid entries are left out, missing
    required values get placeholders. Only used to run the cross-section checks."""
    if not isinstance(raw, dict):
        return None
    try:
        return model.model_validate(raw)
    except ValidationError:
        pass
    kept: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in raw:
            if info.is_required():
                kept[key] = _placeholder(info.annotation)
            continue
        value = raw[key]
        inner = _unwrap(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            salvaged = _salvage(inner, value)
            if salvaged is not None:
                kept[key] = salvaged
            elif info.is_required():
                kept[key] = _placeholder(info.annotation)
            continue
        args = typing.get_args(inner)
        if (
            typing.get_origin(inner) is dict
            and isinstance(value, dict)
            and args
            and (isinstance(args[1], type) and issubclass(args[1], BaseModel))
        ):
            entries = {k: _salvage(args[1], v) for k, v in value.items()}
            kept[key] = {k: v for k, v in entries.items() if v is not None}
            continue
        try:
            typed = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
            TypeAdapter(typed).validate_python(value)
        except ValidationError:
            if info.is_required():
                kept[key] = _placeholder(info.annotation)
            continue
        kept[key] = value
    try:
        return model.model_validate(kept)
    except ValidationError:
        return None


def _placeholder(annotation: Any) -> Any:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)[0]
    if annotation is Duration:
        return Duration(1, "days")
    if typing.get_origin(annotation) is dict:
        return {}
    if typing.get_origin(annotation) is list:
        return []
    return "?"


def _names(data: dict[str, Any]) -> dict[str, set[str]]:
    """Every name declared in the file, valid or not, so one broken entry does not make
    every reference to it an error too."""
    names: dict[str, set[str]] = {}
    for section in SECTIONS:
        entries = data.get(section)
        names[section] = set(entries) if isinstance(entries, dict) else set()
    datasets: set[str] = set()
    fields: set[str] = set()
    systems = data.get("systems")
    if isinstance(systems, dict):
        for system_name, system in systems.items():
            sets = system.get("datasets") if isinstance(system, dict) else None
            if not isinstance(sets, dict):
                continue
            for dataset_name, dataset in sets.items():
                datasets.add(f"{system_name}.{dataset_name}")
                cols = dataset.get("fields") if isinstance(dataset, dict) else None
                if isinstance(cols, dict):
                    fields.update(f"{system_name}.{dataset_name}.{c}" for c in cols)
    names["datasets"] = datasets
    names["fields"] = fields
    return names


_KINDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of names to entries",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
}
_MISSING_HINTS = {
    "lawful_basis": "every purpose needs a lawful basis (consent, contract, legal-obligation, "
    "vital-interests, public-task or legitimate-interests)",
    "connection": "say how to reach the system, as env:VARIABLE or a URL",
    "fields": "list the dataset's fields",
    "then": "say what happens when the period ends: delete, anonymise or archive",
    "from": "name the column the period is counted from",
}


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value}"
    return repr(value)


def _translate(exc: ValidationError, source: Source, prefix: Path_) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[Path_, str]] = set()
    for error in exc.errors(include_url=False):
        path = _real_path((*prefix, *error["loc"]), source.data)
        kind = error["type"]
        if kind == "union_tag_invalid" or (path, kind) in seen:
            continue
        seen.add((path, kind))
        problems.append(
            Problem(
                source.place(path),
                describe(path[:-1] if kind in ("missing", "extra_forbidden") else path),
                _message(error, path),
            )
        )
    return problems


def _real_path(loc: tuple[Any, ...], data: Any) -> Path_:
    """The loc pydantic gave, without the type tags it adds inside unions."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if (isinstance(node, dict) and part in node) or in_list:
            node = node[part]
            path.append(part)
        elif isinstance(part, str) and (
            "[" in part or ("-" in part and part.startswith(("function", "lax", "json")))
        ):
            continue
        else:
            path.append(part)
            node = None
    return tuple(path)


def _message(error: Any, path: Path_) -> str:
    kind = error["type"]
    named = [p for p in path if isinstance(p, str)]
    key = named[-1] if named else ""
    if kind == "missing":
        hint = _MISSING_HINTS.get(str(key), "")
        return f"'{key}' is missing" + (f": {hint}" if hint else "")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(path[:-1])
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        listing = f" (allowed here: {', '.join(allowed)})" if allowed and not close else ""
        return f"unknown key '{key}'{hint}{listing}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{_describe(error['input'])} is not allowed for '{key}'; use one of {expected}"
    if kind in _KINDS:
        return f"'{key}' should be {_KINDS[kind]}, not {_describe(error['input'])}"
    if kind in ("unknown_category", "duration", "verification", "country"):
        return str(error["msg"])
    return f"'{key}': {error['msg']}" if key != "" else str(error["msg"])


def _allowed_keys(path: Path_) -> list[str]:
    """The keys the declaration allows at ``path``, for "did you mean"."""
    annotation: Any = Declaration
    for part in path:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field_for = {f.alias or n: f for n, f in annotation.model_fields.items()}
            if part not in field_for:
                return []
            annotation = field_for[str(part)].annotation
        elif origin in (dict, list):
            annotation = typing.get_args(annotation)[-1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or n for n, f in annotation.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kept = [a for a in typing.get_args(annotation) if a is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation
