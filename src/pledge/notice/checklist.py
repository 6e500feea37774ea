"""The Art. 13/14 checklist: what a privacy notice must tell people, checked on the
declaration the notice is generated from. Each check yields (code, path, sentence)."""

from __future__ import annotations

from collections.abc import Iterator

from pledge import taxonomy
from pledge.declaration.model import Contact, Declaration
from pledge.declaration.source import Path_
from pledge.notice import words

Raw = tuple[str, Path_, str]
_INVALID_SAFEGUARDS = {
    "eu-us-privacy-shield": "EU-US Privacy Shield was struck down in July 2020 (Schrems II) and "
    "protects nothing; name the safeguard relied on now (for the US, the UK extension to the "
    "Data Privacy Framework counts as adequacy)",
    "none-stated": "the notice names no safeguard",
}


def check(d: Declaration) -> Iterator[Raw]:
    """Every checklist gap in ``d``."""
    yield from _controller(d)
    yield from _purposes(d)
    yield from _recipients(d)
    yield from _rights(d)


def _reachable(contact: Contact | None) -> bool:
    return contact is not None and bool(contact.email or contact.phone or contact.web)


def _controller(d: Declaration) -> Iterator[Raw]:
    c = d.controller
    if not any(_reachable(x) for x in (c.contact, c.dpo, c.complaints, d.rights.how_to_ask)):
        yield (
            "PL101",
            ("controller",),
            "the only way to reach us is by post; add an email address, phone number or web "
            "form (controller.contact)",
        )
    if c.dpo is None:
        why = (
            "; a provider processing traffic and location data at scale usually needs one"
            if c.sector == "public-electronic-communications"
            else ", nor who answers for data protection"
        )
        yield "PL102", ("controller",), f"no data protection officer is named (controller.dpo){why}"
    if c.complaints is None:
        fallback = c.dpo or c.contact
        yield (
            "PL118",
            ("controller",),
            "no way to complain to us is named (controller.complaints); "
            + (
                "the notice points complaints at the DPO or the general contact instead"
                if fallback
                else "from 19 June 2026 organisations must offer one (an online form will do)"
            ),
        )


def _purposes(d: Declaration) -> Iterator[Raw]:
    if not d.purposes:
        yield "PL103", ("purposes",), "no purposes are declared, so the notice cannot say why"
    groups_with_sources = any(g.sources for g in d.data_subjects.values())
    for name, p in d.purposes.items():
        at: Path_ = ("purposes", name)
        if p.lawful_basis == "legitimate-interests" and not p.legitimate_interest:
            yield (
                "PL105",
                (*at, "lawful_basis"),
                f"purpose '{name}' relies on legitimate interests but does not say which "
                "(legitimate_interest: ...)",
            )
        if not p.categories:
            yield "PL106", at, f"purpose '{name}' does not say which data it uses (categories)"
        if not p.data_subjects:
            yield "PL107", at, f"purpose '{name}' does not say whose data it is (data_subjects)"
        if not p.retention and not p.retention_criteria:
            yield (
                "PL112",
                at,
                f"purpose '{name}' says neither how long data is kept nor how that is decided "
                "(retention: [rule] or retention_criteria)",
            )
        elif not p.retention:
            yield (
                "PL113",
                (*at, "retention_criteria"),
                f"purpose '{name}' says how long only as criteria, with no retention rule, so "
                "nothing deletes the data when the time comes",
            )
        special = [c for c in p.categories if taxonomy.is_special(c)]
        if special and p.special_category_condition is None:
            yield (
                "PL114",
                (*at, "categories"),
                f"purpose '{name}' uses special category data "
                f"({words.join(words.categories(special))}) but names no Art. 9 condition "
                "(special_category_condition)",
            )
    if d.purposes and not groups_with_sources and not any(p.source for p in d.purposes.values()):
        yield (
            "PL108",
            ("purposes",),
            "nothing says where the data comes from (a purpose's source, or data_subjects "
            "sources); Art. 14 requires it when it is not from the person",
        )
    if d.purposes and not any(p.requirement for p in d.purposes.values()):
        yield (
            "PL120",
            ("purposes",),
            "no purpose says whether people must give the data (requirement: statutory, "
            "contractual or voluntary) or what happens if they do not",
        )
    if d.purposes and not any(p.automated_decision_making for p in d.purposes.values()):
        yield (
            "PL121",
            ("purposes",),
            "no purpose says whether decisions are made by automated means; if none are, "
            "say so (automated_decision_making: none)",
        )


def _recipients(d: Declaration) -> Iterator[Raw]:
    for name, r in d.recipients.items():
        at: Path_ = ("recipients", name)
        if not r.categories:
            yield "PL110", at, f"recipient '{name}' ({r.name}): the data shared is not stated"
        if r.country == "GB":
            continue
        where = words.country(r.country)
        if r.safeguard is None:
            yield (
                "PL111",
                (*at, "country"),
                f"recipient '{name}' ({r.name}) is in {where} but no transfer safeguard is "
                "named (safeguard: adequacy, uk-idta, ...)",
            )
        elif r.safeguard in _INVALID_SAFEGUARDS:
            yield (
                "PL111",
                (*at, "safeguard"),
                f"recipient '{name}' ({r.name}) is in {where}: " + _INVALID_SAFEGUARDS[r.safeguard],
            )


def _rights(d: Declaration) -> Iterator[Raw]:
    centre = d.controller.privacy_centre
    if not centre and d.rights.how_to_ask is None and not _reachable(d.controller.dpo):
        yield (
            "PL116",
            ("rights",),
            "the notice cannot say how to use the rights: name a privacy centre "
            "(controller.privacy_centre), rights.how_to_ask or a DPO contact",
        )
    consent = [n for n, p in d.purposes.items() if p.lawful_basis == "consent"]
    routes = (centre, d.rights.withdraw_consent, d.rights.how_to_ask)
    if consent and not any(routes):
        yield (
            "PL117",
            ("purposes", consent[0], "lawful_basis"),
            f"{words.join(consent)} rel{'ies' if len(consent) == 1 else 'y'} on consent, but "
            "nothing says how to withdraw it (rights.withdraw_consent or a privacy centre)",
        )
