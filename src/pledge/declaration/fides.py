"""Turn Fides dataset files (Ethyca's fideslang ``dataset`` resource) into a Pledge declaration.

Pure: texts in, text out; ``import_cli.py`` reads and writes the files. What becomes what:

- Each Fides dataset (``fides_key``) becomes a system, connected through ``env:<KEY>_URL``;
  each collection a dataset and each field a field, their names kept as they are (they are
  the tables' and columns' names). A ``fides_key`` that is not a usable Pledge name is
  lower-cased and its other characters replaced by ``_``.
- ``data_categories``: fideslang's keys are Pledge's keys and are kept. ``system.*`` keys
  describe the system, not a person, so they are left out (a field with nothing else is then
  not personal, and a collection of such fields is context). Unknown keys are reported and
  left out. Categories on a whole collection or dataset are reported, not spread over every
  field (keys would become personal data).
- ``fides_meta.identity``: the kinds Pledge knows are kept, ``phone_number`` becomes
  ``phone``, the Fides device and Google Analytics ids become ``device_id`` and ``cookie_id``,
  and ``user_id`` becomes ``customer_id`` (reported, as an assumption). Any other is reported
  and left out. ``primary_key`` is kept; ``read_only`` (Fides never changes the field)
  becomes ``erase: keep``.
- ``fides_meta.references``: ``dataset`` is a ``fides_key`` in the files given and ``field``
  is ``collection.field``. Fides' ``direction: from`` on field F referring to G means G is
  read first and F's rows are found from it: ``reach: belongs-to``. ``direction: to`` means
  F's value finds G's rows: ``reach: owns``. No direction: no reach, so Pledge's safe
  defaults and ``pledge check`` decide. A direction into a collection that holds no personal
  data (a product list) orders Fides' reads but owns nothing: it becomes ``reach: context``.
  Pledge follows one reference per field: further ones are reported and left out.
- Nested fields (``fields`` inside a field: a JSON or document column) are folded into their
  top-level field, which Pledge reads as one column: it takes their categories; identities,
  keys and references inside it are reported and left out (no column holds them).
- The controller is not in a Fides dataset: it is written as a stub that ``pledge check``
  refuses until it is filled in, unless a name and address are given.

Bad input (not YAML, not a dataset file, a reference to a dataset, collection or field that is
not there) raises :class:`FidesInvalid` with every problem, each at file:line:column.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from pledge import taxonomy
from pledge.declaration.load import DeclarationInvalid, DeclarationUnreadable, load_text
from pledge.declaration.model import IdentityKind, System, is_name
from pledge.declaration.reach import resolve
from pledge.declaration.source import Path_, Problem, Source, SourceError, parse

#: Fides identity types and the Pledge identity kind each becomes. The Pledge kinds are
#: accepted under their own names too.
IDENTITIES: dict[str, IdentityKind] = {
    "email": "email",
    "phone_number": "phone",
    "fides_user_device_id": "device_id",
    "ga_client_id": "cookie_id",
}
#: Fides identity types whose Pledge kind is a reading, not an equivalent: reported.
ASSUMED_IDENTITIES: dict[str, IdentityKind] = {"user_id": "customer_id"}
PLEDGE_KINDS: tuple[str, ...] = IdentityKind.__args__  # type: ignore[attr-defined]

#: Keys each level of a Fides dataset may have (fideslang's models, plus keys of older
#: fideslang versions that Fides still exports); anything else is reported as unknown.
_OLD_DATASET_KEYS = {
    "data_qualifier",
    "data_qualifiers",
    "retention",
    "third_country_transfers",
    "joint_controller",
    "dataset_type",
    "dataset_location",
}
_KNOWN = {
    "dataset": {
        "fides_key",
        "organization_fides_key",
        "tags",
        "name",
        "description",
        "meta",
        "data_categories",
        "data_uses",
        "data_purposes",
        "data_subjects",
        "fides_meta",
        "fidesops_meta",
        "collections",
        *_OLD_DATASET_KEYS,
    },
    "collection": {
        "name",
        "description",
        "data_categories",
        "data_uses",
        "data_purposes",
        "data_subjects",
        "data_qualifier",
        "retention",
        "fields",
        "fides_meta",
        "fidesops_meta",
    },
    "field": {
        "name",
        "description",
        "data_categories",
        "data_uses",
        "data_purposes",
        "data_subjects",
        "data_qualifier",
        "retention",
        "fields",
        "fides_meta",
        "fidesops_meta",
    },
    "field meta": {
        "references",
        "identity",
        "primary_key",
        "data_type",
        "length",
        "return_all_elements",
        "read_only",
        "custom_request_field",
        "masking_strategy_override",
        "redact",
    },
}
#: Field metadata Fides uses to query or mask, which a declaration has no place for.
_LEFT_OUT_META = ("return_all_elements", "custom_request_field", "masking_strategy_override")
#: Collection metadata that changes what Fides does with the collection.
_LEFT_OUT_COLLECTION_META = ("after", "erase_after", "skip_processing", "masking_strategy_override")
_RESOURCES = {
    "system",
    "data_category",
    "data_use",
    "data_subject",
    "organization",
    "policy",
    "evaluation",
    "registry",
}
_ENV_CHARS = re.compile(r"[^A-Z0-9_]")
_NAME_CHARS = re.compile(r"[^a-z0-9_-]")

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class FidesFile:
    """One Fides file: its name (for messages) and its text."""

    name: str
    text: str


class FidesInvalid(Exception):
    """The files are not Fides datasets Pledge can import; ``problems`` lists everything.
    ``unreadable``: a file is not YAML at all."""

    def __init__(self, problems: list[Problem], *, unreadable: bool = False) -> None:
        self.problems = problems
        self.unreadable = unreadable
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Imported:
    """The declaration made from Fides files, and what to look at before using it."""

    text: str
    #: What was left out, changed or assumed, placed in the Fides files.
    notes: list[Problem]
    #: What ``pledge check`` says of the result once the controller is filled in.
    problems: list[Problem]
    systems: int
    datasets: int
    fields: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class _File:
    """A parsed Fides file and the problems found in it."""

    source: Source
    problems: list[Problem]
    notes: list[Problem]

    def report(self, path: Path_, where: str, message: str, severity: Severity) -> None:
        problem = Problem(self.source.place(path), where, message, severity)
        (self.problems if severity == "error" else self.notes).append(problem)


@dataclass
class _Collection:
    name: str
    path: Path_
    raw: Mapping[str, Any]
    #: Top-level field name → its path and raw mapping.
    fields: dict[str, tuple[Path_, Mapping[str, Any]]] = field(default_factory=dict)


@dataclass
class _Dataset:
    key: str
    system: str
    path: Path_
    raw: Mapping[str, Any]
    file: _File
    collections: dict[str, _Collection] = field(default_factory=dict)


def convert(
    files: Sequence[FidesFile],
    *,
    controller_name: str | None = None,
    controller_address: str | None = None,
    out_name: str = "pledge.yaml",
) -> Imported:
    """The Pledge declaration for the Fides datasets in ``files``.

    ``out_name`` names the result in the problems ``pledge check`` finds in it. Raises
    :class:`FidesInvalid` when any file cannot be imported; nothing is half converted.
    """
    parsed: list[_File] = []
    problems: list[Problem] = []
    unreadable = False
    for given in files:
        try:
            source = parse(given.text, given.name)
        except SourceError as exc:
            problem = exc.problem
            if problem.message.startswith("this is not valid YAML"):
                unreadable = True
            else:
                problem = Problem(
                    problem.place,
                    "",
                    "this is not a Fides dataset file: it should be a mapping with a "
                    "'dataset:' list",
                )
            problems.append(problem)
            continue
        parsed.append(_File(source, [], []))
    datasets = _index(parsed)
    systems: dict[str, Any] = {}
    #: (system, dataset, field) → the file and path of the Fides reference the field follows.
    origins: dict[tuple[str, str, str], tuple[_File, Path_]] = {}
    for dataset in datasets.values():
        system = _system(dataset, datasets, origins)
        if system is not None:
            systems[dataset.system] = system
    for file in parsed:
        problems.extend(file.problems)
    if problems:
        raise FidesInvalid(problems, unreadable=unreadable)
    notes = [note for file in parsed for note in file.notes]
    if not systems:
        nothing = Problem(
            None,
            ", ".join(f.name for f in files),
            "no Fides collection with fields was found, so there is nothing to import",
        )
        raise FidesInvalid([*notes, nothing])
    by_system = {d.system: d for d in datasets.values()}
    _people(systems, by_system, notes)
    _context_directions(systems, origins, notes)
    names = [f.name for f in files]
    notes.sort(
        key=lambda n: (
            (names.index(n.place.file), n.place.line, n.place.column)
            if n.place is not None and n.place.file in names
            else (len(names), 0, 0)
        )
    )
    checked = _render(
        names, systems, notes, controller_name or "TODO", controller_address or "TODO"
    )
    text = _render(names, systems, notes, controller_name, controller_address)
    return Imported(
        text=text,
        notes=notes,
        problems=_check(checked, out_name),
        systems=len(systems),
        datasets=sum(len(s["datasets"]) for s in systems.values()),
        fields=sum(len(d["fields"]) for s in systems.values() for d in s["datasets"].values()),
    )


# -- reading ---------------------------------------------------------------------------------


def _index(files: list[_File]) -> dict[str, _Dataset]:
    """Every dataset, collection and top-level field of every file, checked for shape."""
    out: dict[str, _Dataset] = {}
    systems: dict[str, _Dataset] = {}
    for file in files:
        data = file.source.data
        for twice, here, earlier in file.source.duplicates:
            said = f"'{twice[-1]}' is written twice (first at line {earlier.line})"
            file.problems.append(Problem(here, "", said, "error"))
        if "dataset" not in data:
            keys = ", ".join(str(k) for k in data) or "nothing"
            file.report(
                (),
                "",
                f"this is not a Fides dataset file: it has no 'dataset:' list (it has {keys})",
                "error",
            )
            continue
        others = sorted(str(k) for k in data if k != "dataset")
        if others:
            what = ", ".join(others)
            known = all(k in _RESOURCES for k in others)
            file.report(
                (others[0],),
                others[0],
                f"only Fides datasets are imported; {what} "
                + ("left out" if known else "is not a Fides resource and is left out"),
                "warning",
            )
        items = data["dataset"]
        if not isinstance(items, list) or not items:
            file.report(
                ("dataset",), "dataset", "should be a list of Fides datasets, not empty", "error"
            )
            continue
        for index, raw in enumerate(items):
            path: Path_ = ("dataset", index)
            dataset = _read_dataset(file, path, raw)
            if dataset is None:
                continue
            if dataset.key in out:
                first = out[dataset.key]
                file.report(
                    (*path, "fides_key"),
                    dataset.key,
                    f"the dataset {dataset.key} is defined twice (first in "
                    f"{first.file.source.place(first.path)})",
                    "error",
                )
                continue
            clash = systems.get(dataset.system)
            if clash is not None:
                file.report(
                    (*path, "fides_key"),
                    dataset.key,
                    f"{dataset.key} and {clash.key} would both be system {dataset.system}; "
                    "rename one of them",
                    "error",
                )
                continue
            out[dataset.key] = systems[dataset.system] = dataset
    return out


def _read_dataset(file: _File, path: Path_, raw: Any) -> _Dataset | None:
    if not isinstance(raw, dict):
        file.report(
            path, "", "a Fides dataset should be a mapping (fides_key, collections)", "error"
        )
        return None
    key = raw.get("fides_key")
    if not isinstance(key, str) or not key:
        file.report(path, "", "this Fides dataset has no fides_key (its name)", "error")
        return None
    _unknown_keys(file, path, key, raw, "dataset")
    system = _system_name(key)
    if system != key:
        file.report(
            (*path, "fides_key"),
            key,
            f"becomes system {system} (system names are lower-case letters, digits, - and _)",
            "warning",
        )
    dataset = _Dataset(key, system, path, raw, file)
    _whole_categories(file, path, key, raw, "dataset")
    collections = raw.get("collections")
    if not isinstance(collections, list):
        file.report(
            (*path, "collections") if "collections" in raw else path,
            key,
            "should have a list of collections (the tables, each with its fields)",
            "error",
        )
        return dataset
    for index, item in enumerate(collections):
        here: Path_ = (*path, "collections", index)
        collection = _read_collection(file, here, key, item)
        if collection is None:
            continue
        if collection.name in dataset.collections:
            first = dataset.collections[collection.name]
            file.report(
                (*here, "name"),
                f"{key}.{collection.name}",
                f"the collection is defined twice (first at line {_line(file, first.path)})",
                "error",
            )
            continue
        dataset.collections[collection.name] = collection
    return dataset


def _read_collection(file: _File, path: Path_, key: str, raw: Any) -> _Collection | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        file.report(path, key, "a collection should be a mapping with a name and fields", "error")
        return None
    name = raw["name"]
    label = f"{key}.{name}"
    _unknown_keys(file, path, label, raw, "collection")
    _whole_categories(file, path, label, raw, "collection")
    collection = _Collection(name, path, raw)
    fields = raw.get("fields")
    if not isinstance(fields, list):
        file.report(
            (*path, "fields") if "fields" in raw else path,
            label,
            "should have a list of fields",
            "error",
        )
        return collection
    for index, item in enumerate(fields):
        here: Path_ = (*path, "fields", index)
        if not _field_shape(file, here, label, item):
            continue
        if item["name"] in collection.fields:
            file.report(
                (*here, "name"),
                f"{label}.{item['name']}",
                "the field is defined twice (first at line "
                f"{_line(file, collection.fields[item['name']][0])})",
                "error",
            )
            continue
        collection.fields[item["name"]] = (here, item)
    return collection


def _field_shape(file: _File, path: Path_, label: str, raw: Any) -> bool:
    """Whether a field (or nested field) is a mapping with a name; its sub-fields too."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        file.report(path, label, "a field should be a mapping with a name", "error")
        return False
    here = f"{label}.{raw['name']}"
    _unknown_keys(file, path, here, raw, "field")
    meta = _meta(raw)
    if meta is not None and not isinstance(meta, dict):
        file.report((*path, _meta_key(raw)), here, "fides_meta should be a mapping", "error")
    elif meta:
        _unknown_keys(file, (*path, _meta_key(raw)), here, meta, "field meta")
    subfields = raw.get("fields")
    if subfields is None:
        return True
    if not isinstance(subfields, list):
        file.report((*path, "fields"), here, "nested fields should be a list", "error")
        return False
    ok = True
    for index, item in enumerate(subfields):
        ok = _field_shape(file, (*path, "fields", index), here, item) and ok
    return ok


def _unknown_keys(file: _File, path: Path_, label: str, raw: Mapping[str, Any], level: str) -> None:
    for key in raw:
        if key not in _KNOWN[level]:
            file.report(
                (*path, key),
                label,
                f"'{key}' is not a key of a Fides {level}; left out",
                "warning",
            )


def _whole_categories(
    file: _File, path: Path_, label: str, raw: Mapping[str, Any], level: str
) -> None:
    """Categories for a whole collection or dataset: reported, not spread over fields."""
    found = raw.get("data_categories")
    if not isinstance(found, list):
        return
    personal = [c for c in found if isinstance(c, str) and not _is_system(c)]
    if personal:
        file.report(
            (*path, "data_categories"),
            label,
            f"categories for the whole {level} ({', '.join(personal)}) are not copied onto "
            "its fields, which would make keys personal data; put each on the fields that "
            "hold it",
            "warning",
        )


def _meta_key(raw: Mapping[str, Any]) -> str:
    return "fides_meta" if raw.get("fides_meta") is not None else "fidesops_meta"


def _meta(raw: Mapping[str, Any]) -> Any:
    """``fides_meta``, or ``fidesops_meta`` as older files name it (fideslang does the same)."""
    return raw.get("fides_meta") if raw.get("fides_meta") is not None else raw.get("fidesops_meta")


def _line(file: _File, path: Path_) -> int:
    place = file.source.place(path)
    return place.line if place is not None else 1


def _system_name(key: str) -> str:
    if is_name(key):
        return key
    name = _NAME_CHARS.sub("_", key.lower())
    return name if name[:1].isalpha() else f"d_{name}"


def _is_system(category: str) -> bool:
    return category == "system" or category.startswith("system.")


# -- converting ------------------------------------------------------------------------------


def _system(
    dataset: _Dataset,
    datasets: Mapping[str, _Dataset],
    origins: dict[tuple[str, str, str], tuple[_File, Path_]],
) -> dict[str, Any] | None:
    file, raw = dataset.file, dataset.raw
    out: dict[str, Any] = {}
    description = raw.get("description") or raw.get("name")
    if isinstance(description, str) and description.strip():
        out["description"] = " ".join(description.split())
    out["connection"] = f"env:{_ENV_CHARS.sub('_', dataset.system.upper())}_URL"
    tables: dict[str, Any] = {}
    for collection in dataset.collections.values():
        label = f"{dataset.key}.{collection.name}"
        table: dict[str, Any] = {}
        text = collection.raw.get("description")
        if isinstance(text, str) and text.strip():
            table["description"] = " ".join(text.split())
        meta = _meta(collection.raw)
        if isinstance(meta, dict):
            left = [k for k in _LEFT_OUT_COLLECTION_META if meta.get(k)]
            if left:
                file.report(
                    (*collection.path, _meta_key(collection.raw)),
                    label,
                    f"Fides' {', '.join(left)} for this collection is left out: Pledge "
                    "orders its reads by the references and reads every declared dataset",
                    "warning",
                )
        fields: dict[str, Any] = {}
        for name, (path, item) in collection.fields.items():
            spec, followed = _field(file, path, f"{label}.{name}", item, dataset, datasets)
            fields[name] = spec
            if followed is not None:
                origins[(dataset.system, collection.name, name)] = (file, followed)
        if not fields:
            file.report(collection.path, label, "has no fields; left out", "warning")
            continue
        table["fields"] = fields
        tables[collection.name] = table
    if not tables:
        file.report(dataset.path, dataset.key, "has no collection with fields; left out", "warning")
        return None
    out["datasets"] = tables
    return out


def _field(
    file: _File,
    path: Path_,
    label: str,
    raw: Mapping[str, Any],
    dataset: _Dataset,
    datasets: Mapping[str, _Dataset],
) -> tuple[dict[str, Any], Path_ | None]:
    """A field's declaration entry, and the path of the Fides reference it follows."""
    out: dict[str, Any] = {}
    followed: Path_ | None = None
    meta = _meta(raw)
    meta = meta if isinstance(meta, dict) else {}
    meta_path: Path_ = (*path, _meta_key(raw))
    if meta.get("primary_key") is not None:
        if isinstance(meta["primary_key"], bool):
            if meta["primary_key"]:
                out["primary_key"] = True
        else:
            file.report(
                (*meta_path, "primary_key"), label, "primary_key should be true or false", "error"
            )
    identity = meta.get("identity")
    if identity is not None:
        kind = _identity(file, (*meta_path, "identity"), label, identity)
        if kind is not None:
            out["identity"] = kind
    if meta.get("references") is not None:
        here: Path_ = (*meta_path, "references")
        reference = _reference(file, here, label, meta["references"], dataset, datasets)
        if reference is not None:
            out["references"], reach, index = reference
            followed = (*here, index)
            if reach is not None:
                out["reach"] = reach
    categories = _categories(file, path, label, raw.get("data_categories"))
    if raw.get("fields"):
        nested = _fold(file, path, label, raw["fields"])
        categories += [c for c in nested if c not in categories]
        file.report(
            (*path, "fields"),
            label,
            "has nested fields; Pledge reads it as one column holding them all"
            + (f", with their categories ({', '.join(nested)})" if nested else ""),
            "warning",
        )
    if categories:
        out["categories"] = categories
    if meta.get("read_only") is True:
        out["erase"] = "keep"
    left = [k for k in _LEFT_OUT_META if meta.get(k) not in (None, False)]
    if left:
        file.report(
            meta_path,
            label,
            f"Fides' {', '.join(left)} has no equivalent in a declaration and is left out",
            "warning",
        )
    text = raw.get("description")
    if isinstance(text, str) and text.strip():
        out["description"] = " ".join(text.split())
    return out, followed


def _identity(file: _File, path: Path_, label: str, value: Any) -> IdentityKind | None:
    if not isinstance(value, str):
        file.report(
            path, label, "identity should be the name of an identity type, like email", "error"
        )
        return None
    if value in PLEDGE_KINDS:
        return value  # type: ignore[return-value]
    if value in IDENTITIES:
        return IDENTITIES[value]
    if value in ASSUMED_IDENTITIES:
        kind = ASSUMED_IDENTITIES[value]
        file.report(
            path,
            label,
            f"Fides identity {value} becomes {kind} (the company's own id for the person); "
            "change it if it is another kind of id",
            "warning",
        )
        return kind
    file.report(
        path,
        label,
        f"Fides identity {value} has no Pledge kind, so the field is not an identity; "
        f"Pledge's kinds: {', '.join(PLEDGE_KINDS)}",
        "warning",
    )
    return None


def _categories(file: _File, path: Path_, label: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        file.report(
            (*path, "data_categories"), label, "data_categories should be a list of keys", "error"
        )
        return []
    out: list[str] = []
    for index, key in enumerate(value):
        if _is_system(key):
            continue  # describes the system, not a person
        if not taxonomy.is_known(key):
            hint = taxonomy.suggest(key)
            file.report(
                (*path, "data_categories", index),
                label,
                f"'{key}' is not a data category Pledge knows; left out"
                + (f" (did you mean {hint}?)" if hint else ""),
                "warning",
            )
        elif key not in out:
            out.append(key)
    return out


def _fold(file: _File, path: Path_, label: str, fields: list[Any]) -> list[str]:
    """The categories of nested fields; what cannot be folded into a column is reported."""
    out: list[str] = []
    for index, item in enumerate(fields):
        here: Path_ = (*path, "fields", index)
        name = f"{label}.{item['name']}"
        for key in _categories(file, here, name, item.get("data_categories")):
            if key not in out:
                out.append(key)
        meta = _meta(item)
        if isinstance(meta, dict):
            lost = [k for k in ("identity", "primary_key", "references") if meta.get(k)]
            if lost:
                file.report(
                    (*here, _meta_key(item), lost[0]),
                    name,
                    f"{' and '.join(lost)} on a nested field is left out: Pledge finds and "
                    "links rows by whole columns, and this is inside one",
                    "warning",
                )
        if item.get("fields"):
            out += [k for k in _fold(file, here, name, item["fields"]) if k not in out]
    return out


def _reference(
    file: _File,
    path: Path_,
    label: str,
    value: Any,
    dataset: _Dataset,
    datasets: Mapping[str, _Dataset],
) -> tuple[str, str | None, int] | None:
    """``(references, reach, index)`` for a field's Fides references: the first one that
    names a field is followed."""
    if not isinstance(value, list):
        file.report(
            path, label, "references should be a list of {dataset, field, direction}", "error"
        )
        return None
    found: list[tuple[int, str, str | None]] = []
    for index, item in enumerate(value):
        here: Path_ = (*path, index)
        target = _target(file, here, label, item, dataset, datasets)
        if target is not None:
            found.append((index, *target))
    if len(found) > 1:
        kept, rest = found[0], found[1:]
        file.report(
            (*path, rest[0][0]),
            label,
            f"Pledge follows one reference per field; it follows {kept[1]} and leaves out "
            f"{', '.join(r[1] for r in rest)}",
            "warning",
        )
    return (found[0][1], found[0][2], found[0][0]) if found else None


def _target(
    file: _File,
    path: Path_,
    label: str,
    item: Any,
    dataset: _Dataset,
    datasets: Mapping[str, _Dataset],
) -> tuple[str, str | None] | None:
    """One Fides reference as a Pledge ``references`` text and its reach."""
    if not isinstance(item, dict):
        file.report(
            path, label, "a reference should be a mapping of dataset, field and direction", "error"
        )
        return None
    key, dotted, direction = item.get("dataset"), item.get("field"), item.get("direction")
    if not isinstance(key, str) or not isinstance(dotted, str):
        file.report(
            path,
            label,
            "a reference needs a dataset (a fides_key) and a field (collection.field)",
            "error",
        )
        return None
    if direction not in (None, "from", "to"):
        file.report(
            (*path, "direction"),
            label,
            f"direction {direction!r} is neither from nor to",
            "error",
        )
        return None
    there = datasets.get(key)
    if there is None:
        hint = _hint(key, datasets)
        file.report(
            (*path, "dataset"),
            label,
            f"refers to dataset {key}, which is not in the files given{hint}; pass the file "
            "that defines it too",
            "error",
        )
        return None
    collection_name, _, rest = dotted.partition(".")
    collection = there.collections.get(collection_name)
    if collection is None:
        hint = _hint(collection_name, there.collections)
        file.report(
            (*path, "field"),
            label,
            f"refers to {key}.{dotted}, but {key} has no collection {collection_name}{hint}",
            "error",
        )
        return None
    if not rest:
        file.report(
            (*path, "field"),
            label,
            f"field {dotted!r} should name a collection and a field (collection.field)",
            "error",
        )
        return None
    column = rest.split(".")[0]
    if column not in collection.fields:
        hint = _hint(column, collection.fields)
        file.report(
            (*path, "field"),
            label,
            f"refers to {key}.{dotted}, but collection {collection_name} has no field "
            f"{column}{hint}",
            "error",
        )
        return None
    if rest != column:
        file.report(
            (*path, "field"),
            label,
            f"refers to {key}.{dotted}, a nested field; Pledge links rows by whole columns, "
            "so this reference is left out",
            "warning",
        )
        return None
    prefix = "" if there is dataset else f"{there.system}."
    reach = {"from": "belongs-to", "to": "owns", None: None}[direction]
    return f"{prefix}{collection_name}.{column}", reach


def _hint(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _people(
    systems: dict[str, Any], datasets: Mapping[str, _Dataset], notes: list[Problem]
) -> None:
    """A collection that holds identities, belongs to no other, and that Fides finds other
    rows from (``direction: from``) is the people themselves: ``about: people``. Pledge then
    stops a request when one identity value finds two of its rows (a shared family email)
    instead of taking both for the same person."""
    owners = {
        _target_dataset(spec["references"], system_name)
        for system_name, system in systems.items()
        for dataset in system["datasets"].values()
        for spec in dataset["fields"].values()
        if spec.get("reach") == "belongs-to"
    }
    for system_name, system in systems.items():
        for dataset_name, dataset in system["datasets"].items():
            fields = dataset["fields"].values()
            if (
                f"{system_name}.{dataset_name}" not in owners
                or not any("identity" in spec for spec in fields)
                or any(spec.get("reach") == "belongs-to" for spec in fields)
            ):
                continue
            described = {"description": dataset["description"]} if "description" in dataset else {}
            system["datasets"][dataset_name] = {**described, "about": "people", **dataset}
            fides = datasets[system_name]
            collection = fides.collections[dataset_name]
            notes.append(
                Problem(
                    fides.file.source.place((*collection.path, "name")),
                    f"{fides.key}.{dataset_name}",
                    "written as about: people (each row is a person): it holds identities, "
                    "belongs to nothing, and Fides finds other rows from it. If one person "
                    "can have several rows here, write about: owned",
                    "warning",
                )
            )


def _context_directions(
    systems: dict[str, Any],
    origins: Mapping[tuple[str, str, str], tuple[_File, Path_]],
    notes: list[Problem],
) -> None:
    """A Fides direction into or out of a collection with no personal data (a product list)
    says which is read first, not whose rows these are: such a reference is context."""
    models = {name: System.model_validate(spec) for name, spec in systems.items()}
    about = resolve(models).about
    for system_name, system in systems.items():
        for dataset_name, dataset in system["datasets"].items():
            for field_name, spec in dataset["fields"].items():
                if spec.get("reach") not in ("belongs-to", "owns"):
                    continue
                target = _target_dataset(spec["references"], system_name)
                dotted = f"{system_name}.{dataset_name}"
                if "context" not in (about.get(target), about.get(dotted)):
                    continue
                shared = target if about.get(target) == "context" else dotted
                file, path = origins[(system_name, dataset_name, field_name)]
                notes.append(
                    Problem(
                        file.source.place((*path, "direction")),
                        f"{dotted}.{field_name}",
                        f"Fides' direction here would make it reach: {spec['reach']}, but "
                        f"{shared} holds no personal data (rows shared by everyone), which no "
                        "person owns: written as reach: context",
                        "warning",
                    )
                )
                spec["reach"] = "context"


def _target_dataset(reference: str, system: str) -> str:
    """The ``system.dataset`` a Pledge reference names."""
    pieces = reference.split(".")
    return f"{pieces[0]}.{pieces[1]}" if len(pieces) == 3 else f"{system}.{pieces[0]}"


# -- writing ---------------------------------------------------------------------------------


class _Inline(dict[str, Any]):
    """A mapping written on one line: a field reads best as ``{primary_key: true}``."""


class _Dumper(yaml.SafeDumper):
    """Sections in block style, each field on one line, lists of words inline."""


def _represent_inline(dumper: yaml.SafeDumper, mapping: _Inline) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", mapping, flow_style=True)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    flat = all(isinstance(item, str) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flat)


_Dumper.add_representer(_Inline, _represent_inline)
_Dumper.add_representer(list, _represent_list)


def _render(
    names: Sequence[str],
    systems: Mapping[str, Any],
    notes: Sequence[Problem],
    controller_name: str | None,
    controller_address: str | None,
) -> str:
    """The declaration's text. With no controller, the stub has the same lines as a filled
    one, so ``pledge check`` places problems the same in both."""
    lines = [
        f"# Imported from Fides ({', '.join(names)}) by `pledge import fides`.",
        "# Each Fides dataset is a system and each collection a dataset. Before use: fill in the",
        "# controller, set each system's connection variable to its database URL, and add the",
        "# purposes, recipients and retention rules (Fides datasets do not hold them).",
    ]
    if notes:
        lines.append("# What the import left out or assumed:")
        for note in notes:
            where = f"{note.place}: " if note.place else ""
            said = (
                f"{where}{note.where}: {note.message}" if note.where else f"{where}{note.message}"
            )
            wrapped = textwrap.wrap(said, width=96)
            lines += [f"#   {wrapped[0]}", *(f"#     {more}" for more in wrapped[1:])]
    lines += ["pledge: 1", "controller:"]
    if controller_name is None:
        lines.append("  name:      # TODO: the legal name of the company responsible for this data")
    else:
        lines.append(f"  name: {_scalar(controller_name)}")
    if controller_address is None:
        lines.append("  address:   # TODO: its postal address")
    else:
        lines.append(f"  address: {_scalar(controller_address)}")
    body = {"systems": {name: _inline_fields(spec) for name, spec in systems.items()}}
    text = yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(lines) + "\n" + text


def _inline_fields(system: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(system)
    out["datasets"] = {
        name: {**dataset, "fields": {f: _Inline(spec) for f, spec in dataset["fields"].items()}}
        for name, dataset in system["datasets"].items()
    }
    return out


def _scalar(value: str) -> str:
    """A text as one YAML scalar on one line (quoted when it would otherwise read as
    something else)."""
    value = " ".join(value.split())
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    return dumped.removesuffix("\n...\n").strip()


def _check(text: str, out_name: str) -> list[Problem]:
    """What ``pledge check`` says of the declaration (errors and warnings)."""
    try:
        loaded = load_text(text, out_name)
    except DeclarationInvalid as exc:
        return list(exc.problems)
    except DeclarationUnreadable as exc:  # pragma: no cover - we wrote it
        return [exc.problem]
    return list(loaded.warnings)
