"""Whose rows are these: what each dataset is about and how each reference is crossed. Pure.

The rules (README "Whose rows are these") as data: every dataset gets a role (``people``,
``owned``, ``context``) and every reference a reach (``belongs-to``, ``owns``, ``context``),
declared or inferred. Inference only ever picks the safe reading; where no reading is safe
(an owned dataset that refers to two possible owners) it is a problem for ``pledge check``.

Inferred roles: a dataset that declares nothing personal, no identity and no reference is
``context``; one whose primary key is an identity and that refers to no other such dataset
is ``people``; any other is ``owned``.

Inferred reach of an undeclared reference from dataset D to dataset T:

- to its own dataset (a manager, a referrer), to or from a context dataset: ``context``;
- from a dataset of people: ``context`` (a customer's store, another person's record);
- from an owned dataset: ``belongs-to`` when it is D's only candidate owner and D declares no
  other; the other candidates become ``context`` when one is declared ``belongs-to``;
  two or more undeclared candidates are refused as ambiguous.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pledge.declaration.model import About, Dataset, Reach, System

Path_ = tuple[str | int, ...]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Link:
    """One reference: ``dataset.field`` refers to ``target.key``, crossed as ``reach``."""

    dataset: str
    field: str
    target: str
    key: str
    reach: Reach
    declared: bool

    @property
    def label(self) -> str:
        return f"{self.dataset}.{self.field}"


@dataclass(frozen=True)
class Mention:
    """``dataset.field`` names another party by an identity of ``kind``."""

    dataset: str
    field: str
    kind: str


@dataclass(frozen=True)
class Issue:
    """A problem with the declared reach, at a path of the declaration."""

    path: Path_
    message: str
    severity: Severity = "error"


@dataclass
class ReachMap:
    """Roles, links and mentions of a whole declaration, and what is wrong with them."""

    about: dict[str, About]
    links: list[Link]
    mentions: list[Mention]
    issues: list[Issue] = field(default_factory=list)

    def ownership(self) -> list[Link]:
        """The links a request crosses (``belongs-to`` and ``owns``)."""
        return [link for link in self.links if link.reach != "context"]

    def owner_of(self, dotted: str) -> Link | None:
        """The ``belongs-to`` link of a dataset, if it has one."""
        return next(
            (k for k in self.links if k.dataset == dotted and k.reach == "belongs-to"), None
        )


def split(reference: str, system: str) -> tuple[str, str] | None:
    """``(system.dataset, field)`` a reference names; two parts mean the same system."""
    pieces = reference.split(".")
    if len(pieces) == 2:
        return f"{system}.{pieces[0]}", pieces[1]
    if len(pieces) == 3:
        return f"{pieces[0]}.{pieces[1]}", pieces[2]
    return None


def _path(dotted: str, *rest: str | int) -> Path_:
    system, _, dataset = dotted.partition(".")
    return ("systems", system, "datasets", dataset, *rest)


def resolve(systems: Mapping[str, System]) -> ReachMap:
    """Every dataset's role and every reference's reach, with the issues found."""
    datasets: dict[str, Dataset] = {
        f"{s}.{d}": dataset
        for s, system in systems.items()
        for d, dataset in system.datasets.items()
    }
    refs: dict[str, list[tuple[str, str, str]]] = {}
    for dotted, dataset in datasets.items():
        system = dotted.partition(".")[0]
        for name, spec in dataset.fields.items():
            if spec.references is None:
                continue
            parts = split(spec.references, system)
            if parts is not None and parts[0] in datasets:
                refs.setdefault(dotted, []).append((name, *parts))
    about = _roles(datasets, refs)
    issues: list[Issue] = []
    links: list[Link] = []
    mentions: list[Mention] = []
    for dotted, dataset in datasets.items():
        links += _links(dotted, dataset, refs.get(dotted, []), about, issues)
        mentions += _mentions(dotted, dataset, issues)
        _check_role(dotted, dataset, about[dotted], issues)
    _check_cycles(links, issues)
    _check_reached(datasets, about, links, issues)
    return ReachMap(about, links, mentions, issues)


def _roles(
    datasets: Mapping[str, Dataset], refs: Mapping[str, list[tuple[str, str, str]]]
) -> dict[str, About]:
    def keyed_by_identity(dataset: Dataset) -> bool:
        return any(f.primary_key and f.identity for f in dataset.fields.values())

    about: dict[str, About] = {}
    for dotted, dataset in datasets.items():
        if dataset.about is not None:
            about[dotted] = dataset.about
        elif not any(f.personal for f in dataset.fields.values()) and dotted not in refs:
            about[dotted] = "context"
        elif keyed_by_identity(dataset) and not any(
            target != dotted and keyed_by_identity(datasets[target])
            for _, target, _ in refs.get(dotted, [])
        ):
            about[dotted] = "people"
        else:
            about[dotted] = "owned"
    return about


def _links(
    dotted: str,
    dataset: Dataset,
    refs: list[tuple[str, str, str]],
    about: Mapping[str, About],
    issues: list[Issue],
) -> list[Link]:
    role = about[dotted]
    out: dict[str, Link] = {}
    candidates: list[tuple[str, str, str]] = []
    for name, target, key in refs:
        spec = dataset.fields[name]
        here = _path(dotted, "fields", name, "reach")
        if spec.reach is not None:
            if spec.reach != "context" and "context" in (about[target], role):
                which = target if about[target] == "context" else dotted
                issues.append(
                    Issue(
                        here,
                        f"{dotted}.{name} is declared reach: {spec.reach}, but {which} is "
                        "context (rows shared by everyone), which no person owns; write "
                        "reach: context, or say what the dataset is about (about: owned)",
                    )
                )
                out[name] = Link(dotted, name, target, key, "context", True)
            else:
                out[name] = Link(dotted, name, target, key, spec.reach, True)
            continue
        if target == dotted or "context" in (role, about[target]):
            out[name] = Link(dotted, name, target, key, "context", False)
        elif role == "people":
            out[name] = Link(dotted, name, target, key, "context", False)
            if about[target] == "owned":
                issues.append(
                    Issue(
                        _path(dotted, "fields", name),
                        f"{dotted}.{name} refers to {target} from a dataset of people and says "
                        f"nothing about reach, so it is context: a request for one of these "
                        f"people does not reach {target}. If those rows are theirs (their own "
                        "address), write reach: owns; if shared, reach: context",
                        "warning",
                    )
                )
        else:
            candidates.append((name, target, key))
    declared = [k for k in out.values() if k.declared and k.reach == "belongs-to"]
    if len(declared) > 1:
        names = ", ".join(k.field for k in declared)
        issues.append(
            Issue(
                _path(dotted, "fields", declared[1].field, "reach"),
                f"{dotted} declares two owners ({names}); a row belongs to one person. Keep "
                "reach: belongs-to on the reference that says whose row it is and write "
                "reach: context (or a mention) on the others",
            )
        )
    if declared or len(candidates) == 1:
        reach: Reach = "context" if declared else "belongs-to"
        for name, target, key in candidates:
            out[name] = Link(dotted, name, target, key, reach, False)
    elif len(candidates) > 1:
        listed = ", ".join(f"{n} (to {t})" for n, t, _ in candidates)
        issues.append(
            Issue(
                _path(dotted, "fields", candidates[1][0]),
                f"{dotted} has {len(candidates)} references that could say whose rows these "
                f"are: {listed}; Pledge will not guess. Write reach: "
                f"belongs-to on the one that owns them (for example {candidates[0][0]}) and "
                "reach: context on the others",
            )
        )
        for name, target, key in candidates:
            out[name] = Link(dotted, name, target, key, "context", False)
    return [out[name] for name, _, _ in refs if name in out]


def _mentions(dotted: str, dataset: Dataset, issues: list[Issue]) -> list[Mention]:
    out: list[Mention] = []
    for name, spec in dataset.fields.items():
        if spec.mention is None:
            continue
        here = _path(dotted, "fields", name, "mention")
        label = f"{dotted}.{name}"
        if spec.primary_key or spec.references is not None:
            issues.append(
                Issue(
                    here,
                    f"{label} is a key, so it cannot be a mention: a key links rows, a mention "
                    "only names someone. Use reach: context on the reference instead",
                )
            )
            continue
        if spec.identity is not None:
            issues.append(
                Issue(
                    here,
                    f"{label} says both identity (the row's own person) and mention (another "
                    "party); it can only be one",
                )
            )
            continue
        if spec.erase is None:
            issues.append(
                Issue(
                    here,
                    f"{label} mentions another party's {spec.mention.replace('_', ' ')}; say "
                    "what happens to it when that person is erased: erase: nullify, mask, "
                    "hash or keep",
                )
            )
        out.append(Mention(dotted, name, spec.mention))
    return out


def _check_role(dotted: str, dataset: Dataset, role: About, issues: list[Issue]) -> None:
    if dataset.show_in_access and role != "context":
        issues.append(
            Issue(
                _path(dotted, "show_in_access"),
                f"{dotted} is {role}, not context; show_in_access is for context rows (an "
                "owned row is always in the person's answer, another person's never is)",
            )
        )
    identities = [n for n, f in dataset.fields.items() if f.identity is not None]
    if role == "context" and identities:
        issues.append(
            Issue(
                _path(dotted, "fields", identities[0], "identity"),
                f"{dotted} is context (rows shared by everyone), so {identities[0]} cannot "
                "identify whose rows they are; make it a mention, or say about: owned",
            )
        )
    if role == "people" and not identities:
        issues.append(
            Issue(
                _path(dotted, "about"),
                f"{dotted} is a dataset of people but no field is an identity, so no request "
                "can find anyone in it; mark the field that identifies each person "
                "(identity: email, customer_id, ...)",
            )
        )


def _check_cycles(links: list[Link], issues: list[Issue]) -> None:
    """Ownership must not loop: a row cannot (through others) own itself."""
    edges: dict[str, list[Link]] = {}
    for link in links:
        if link.reach == "belongs-to":
            edges.setdefault(link.target, []).append(link)  # owner → owned
        elif link.reach == "owns":
            edges.setdefault(link.dataset, []).append(link)
    reported: set[frozenset[str]] = set()

    def walk(start: str, here: str, trail: list[Link]) -> None:
        for link in edges.get(here, []):
            nxt = link.dataset if link.reach == "belongs-to" else link.target
            if nxt == start:
                loop = [*trail, link]
                members = frozenset(k.label for k in loop)
                if members not in reported:
                    reported.add(members)
                    steps = " → ".join(f"{k.label} ({k.reach})" for k in loop)
                    issues.append(
                        Issue(
                            _path(link.dataset, "fields", link.field, "reach"),
                            f"ownership goes round in a circle: {steps}; a row cannot own "
                            "itself. Make one of these references reach: context",
                        )
                    )
            elif nxt not in {k.dataset for k in trail} | {k.target for k in trail}:
                walk(start, nxt, [*trail, link])

    for start in sorted(edges):
        walk(start, start, [])


def _check_reached(
    datasets: Mapping[str, Dataset],
    about: Mapping[str, About],
    links: list[Link],
    issues: list[Issue],
) -> None:
    """Warn where reach can carry one person's request into another dataset of people, and
    where an owned dataset of personal data can never be found."""
    entered: set[str] = set()
    for link in links:
        if link.reach == "belongs-to":
            into, origin = link.dataset, link.target
        elif link.reach == "owns":
            into, origin = link.target, link.dataset
        else:
            continue
        entered.add(into)
        if about[into] == "people":
            issues.append(
                Issue(
                    _path(link.dataset, "fields", link.field, "reach"),
                    f"{link.label} ({link.reach}) leads from rows of {origin} into {into}, a "
                    "dataset of people: a request could reach someone else's record. Requests "
                    "stop before writing if it does; reach: context is usually meant",
                    "warning",
                )
            )
    for dotted, dataset in datasets.items():
        if about[dotted] != "owned":
            continue
        personal = any(f.personal for f in dataset.fields.values())
        if (
            personal
            and dotted not in entered
            and not any(f.identity for f in dataset.fields.values())
        ):
            issues.append(
                Issue(
                    _path(dotted),
                    f"{dotted} holds personal data, but no identity field says whose rows "
                    "they are and no ownership reference (belongs-to, or owns from another "
                    "dataset) leads to them, so no request will find them; add one, or say "
                    "about: context if the rows belong to no one",
                    "warning",
                )
            )
