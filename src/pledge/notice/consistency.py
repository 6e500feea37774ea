"""Consistency between what the notice says and what the systems hold: every personal
dataset has a purpose and a retention rule, every category held is declared, recipients
get only what their purposes declare, every marketing channel can be stopped."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pledge import taxonomy
from pledge.declaration.model import Declaration
from pledge.declaration.source import Path_
from pledge.notice import words

Raw = tuple[str, Path_, str]


def check(d: Declaration) -> Iterator[Raw]:
    """Every inconsistency in ``d``."""
    yield from _datasets(d)
    yield from _references(d)
    yield from _marketing(d)


def _covered(key: str, declared: Iterable[str]) -> bool:
    return any(taxonomy.covers(g, key) or taxonomy.covers(key, g) for g in declared)


def _datasets(d: Declaration) -> Iterator[Raw]:
    used = {ds for p in d.purposes.values() for ds in p.datasets}
    kept = {r.dataset for r in d.retention.values()}
    kept |= {r.archive.to for r in d.retention.values() if r.archive is not None}
    declared = [c for p in d.purposes.values() for c in p.categories]
    for system_name, system in d.systems.items():
        for dataset_name, dataset in system.datasets.items():
            dotted = f"{system_name}.{dataset_name}"
            at: Path_ = ("systems", system_name, "datasets", dataset_name)
            if not any(f.personal for f in dataset.fields.values()):
                continue
            if dotted not in used:
                yield "PL201", at, f"{dotted} holds personal data but no purpose lists it"
            if dotted not in kept:
                yield "PL202", at, f"{dotted} holds personal data but no retention rule covers it"
            for field_name, spec in dataset.fields.items():
                hidden = [c for c in spec.categories if not _covered(c, declared)]
                if hidden:
                    yield (
                        "PL203",
                        (*at, "fields", field_name, "categories"),
                        f"{dotted}.{field_name} holds {words.join(words.categories(hidden))}, "
                        "which no purpose declares, so the notice does not mention it",
                    )


def _references(d: Declaration) -> Iterator[Raw]:
    for name, r in d.recipients.items():
        sharing = [p for p in d.purposes.values() if name in p.recipients]
        if not sharing:
            yield "PL204", ("recipients", name), f"no purpose shares data with '{name}'"
            continue
        declared = [c for p in sharing for c in p.categories]
        extra = [c for c in r.categories if not _covered(c, declared)]
        if extra and declared:
            yield (
                "PL206",
                ("recipients", name, "categories"),
                f"'{name}' receives {words.join(words.categories(extra))}, which none of the "
                "purposes that share with it declares",
            )
    used = {rule for p in d.purposes.values() for rule in p.retention}
    for name in d.retention:
        if name not in used:
            yield "PL205", ("retention", name), f"no purpose uses retention rule '{name}'"
    if d.data_subjects:
        for name, p in d.purposes.items():
            for index, group in enumerate(p.data_subjects):
                if group not in d.data_subjects:
                    yield (
                        "PL209",
                        ("purposes", name, "data_subjects", index),
                        f"'{group}' is not one of the declared data_subjects",
                    )


def _marketing(d: Declaration) -> Iterator[Raw]:
    m = d.marketing
    if m is None:
        return
    routes = m.opt_out_routes
    for index, channel in enumerate(m.channels):
        covered = any(not r.channels or channel in r.channels for r in routes)
        if channel == "sms" and m.sms.keywords:
            covered = True
        if not covered and not d.controller.privacy_centre:
            yield (
                "PL207",
                ("marketing", "channels", index),
                f"marketing by {words.CHANNEL[channel]} has no opt-out route "
                "(marketing.opt_out_routes)",
            )
    if "phone" in m.channels and not (m.phone.screen_tps and m.phone.screen_ctps):
        yield (
            "PL208",
            ("marketing", "phone"),
            "marketing calls must be screened against both the TPS and CTPS registers",
        )
    for index, route in enumerate(routes):
        for stream in route.streams:
            if stream not in m.streams:
                yield (
                    "PL210",
                    ("marketing", "opt_out_routes", index, "streams"),
                    f"'{stream}' is not one of marketing.streams",
                )
