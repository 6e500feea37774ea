"""What an access answer must tell the person besides the data (Art. 15(1)(a)-(h)), drawn
from the declaration and narrowed to the datasets where the person's data was found.

Pure: plain data in, plain data out; :mod:`pledge.dsr.report` turns it into HTML. The words
come from :mod:`pledge.notice.words`, so the answer and the privacy notice say things alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pledge import taxonomy
from pledge.declaration.model import Contact, Declaration, Purpose
from pledge.notice import words

ICO_ADDRESS = "Information Commissioner's Office, Wycliffe House, Water Lane, Wilmslow, SK9 5AF"
NO_AUTOMATED_DECISIONS = (
    "We do not make decisions about you based solely on automated processing, including "
    "profiling, that have legal or similarly significant effects on you."
)
FROM_YOU = "We collected this information from you, or recorded it while you used our services."


@dataclass(frozen=True)
class Found:
    """One dataset searched for the person, and how many of their rows it holds."""

    dotted: str
    description: str | None
    rows: int
    categories: tuple[str, ...]


@dataclass(frozen=True)
class PurposeLine:
    name: str
    description: str
    basis: str
    condition: str | None
    legitimate_interest: str | None
    categories: tuple[str, ...]
    rights: tuple[str, ...]


@dataclass(frozen=True)
class RecipientLine:
    name: str
    service: str
    role: str
    country: str
    abroad: bool
    #: How a transfer abroad is protected; None for recipients in the UK.
    safeguard: str | None
    categories: tuple[str, ...]


@dataclass(frozen=True)
class RetentionLine:
    category: str
    #: ("system.dataset", how long it is kept there), one per dataset holding the category.
    kept: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Disclosure:
    """Everything Art. 15(1) requires, in plain words."""

    controller: str
    controller_address: str
    dpo: str | None
    found: tuple[Found, ...]
    purposes: tuple[PurposeLine, ...]
    categories: tuple[str, ...]
    recipients: tuple[RecipientLine, ...]
    retention: tuple[RetentionLine, ...]
    rights: tuple[tuple[str, str], ...]
    how_to_ask: str
    withdraw_consent: str | None
    complaints: str | None
    sources: tuple[str, ...]
    automated_decisions: tuple[str, ...]
    ico: tuple[str, str, str] = (words.ICO_COMPLAINT_URL, words.ICO_PHONE, ICO_ADDRESS)

    @property
    def holds_data(self) -> bool:
        return any(f.rows for f in self.found)


def disclose(declaration: Declaration, rows: Mapping[str, int]) -> Disclosure:
    """The Art. 15 facts for a person with ``rows`` ("system.dataset" → count) found.

    >>> disclose(declaration, {"crm.customer": 1, "network.cdr": 250})  # doctest: +SKIP
    """
    found = tuple(_found(declaration, dotted, count) for dotted, count in rows.items())
    held = {f.dotted for f in found if f.rows}
    keys = _keys(declaration, held)
    purposes = [p for p in declaration.purposes.values() if _concerns(p, held, keys)]
    recipient_names = dict.fromkeys(r for p in purposes for r in p.recipients)
    return Disclosure(
        controller=declaration.controller.name,
        controller_address=declaration.controller.address,
        dpo=_contact(declaration.controller.dpo),
        found=found,
        purposes=tuple(
            _purpose(name, p) for name, p in declaration.purposes.items() if p in purposes
        ),
        categories=tuple(words.categories(keys)),
        recipients=tuple(
            _recipient(declaration, name)
            for name in recipient_names
            if name in declaration.recipients
        ),
        retention=_retention(declaration, held, purposes),
        rights=tuple(words.RIGHTS.values()),
        how_to_ask=_how_to_ask(declaration),
        withdraw_consent=(
            _contact(declaration.rights.withdraw_consent) or _how_to_ask(declaration)
            if any(p.lawful_basis == "consent" for p in purposes)
            else None
        ),
        complaints=_contact(declaration.controller.complaints),
        sources=tuple(dict.fromkeys(p.source for p in purposes if p.source)) or (FROM_YOU,),
        automated_decisions=tuple(
            dict.fromkeys(
                p.automated_decision_making for p in purposes if p.automated_decision_making
            )
        )
        or (NO_AUTOMATED_DECISIONS,),
    )


def _found(declaration: Declaration, dotted: str, count: int) -> Found:
    located = declaration.dataset(dotted)
    if located is None:
        return Found(dotted, None, count, ())
    dataset = located[2]
    keys = [c for f in dataset.fields.values() for c in f.categories]
    return Found(dotted, dataset.description, count, tuple(words.categories(keys)))


def _concerns(purpose: Purpose, held: set[str], keys: list[str]) -> bool:
    if not held:
        return False
    if purpose.datasets:
        return bool(held.intersection(purpose.datasets))
    # No datasets named: the purpose concerns the person if it uses a kind of data they have.
    return any(taxonomy.covers(general, key) for general in purpose.categories for key in keys)


def _keys(declaration: Declaration, held: set[str]) -> list[str]:
    keys: list[str] = []
    for dotted in sorted(held):
        located = declaration.dataset(dotted)
        if located is not None:
            keys.extend(c for f in located[2].fields.values() for c in f.categories)
    return keys


def _purpose(name: str, purpose: Purpose) -> PurposeLine:
    condition = purpose.special_category_condition
    return PurposeLine(
        name=name,
        description=purpose.description,
        basis=words.BASIS_SHORT[purpose.lawful_basis],
        condition=words.CONDITION[condition] if condition else None,
        legitimate_interest=purpose.legitimate_interest,
        categories=tuple(words.categories(purpose.categories)),
        rights=tuple(words.rights_for(purpose)),
    )


def _recipient(declaration: Declaration, name: str) -> RecipientLine:
    recipient = declaration.recipients[name]
    abroad = recipient.country != "GB"
    safeguard = None
    if abroad:
        # A transfer with no stated safeguard is shown as such, never left blank.
        safeguard = words.SAFEGUARD[recipient.safeguard or "none-stated"]
    return RecipientLine(
        name=recipient.name,
        service=recipient.service,
        role=recipient.role,
        country=words.country(recipient.country),
        abroad=abroad,
        safeguard=safeguard,
        categories=tuple(words.categories(recipient.categories)),
    )


def _retention(
    declaration: Declaration, held: set[str], purposes: list[Purpose]
) -> tuple[RetentionLine, ...]:
    periods: dict[str, list[str]] = {}
    for rule in declaration.retention.values():
        if rule.dataset in held:
            text = f"{words.period(rule)}, {words.afterwards(rule)}"
            if rule.legal_reference:
                text += f" ({rule.legal_reference})"
            periods.setdefault(rule.dataset, []).append(text)
    criteria = [p.retention_criteria for p in purposes if p.retention_criteria]
    fallback = "; ".join(criteria) or "No fixed period is declared; ask us and we will explain."
    lines: dict[str, list[tuple[str, str]]] = {}
    for dotted in sorted(held):
        located = declaration.dataset(dotted)
        if located is None:
            continue
        how_long = "; ".join(periods.get(dotted, [])) or fallback
        keys = [c for f in located[2].fields.values() for c in f.categories]
        for name in words.categories(keys):
            lines.setdefault(name, []).append((dotted, how_long))
    return tuple(RetentionLine(name, tuple(kept)) for name, kept in lines.items())


def _contact(contact: Contact | None) -> str | None:
    if contact is None:
        return None
    parts = [
        contact.name or contact.title,
        contact.email,
        contact.phone,
        contact.web,
        contact.address,
    ]
    text = ", ".join(p for p in parts if p)
    return text or None


def _how_to_ask(declaration: Declaration) -> str:
    controller = declaration.controller
    return (
        _contact(declaration.rights.how_to_ask)
        or (
            f"our privacy centre, {controller.privacy_centre}"
            if controller.privacy_centre
            else None
        )
        or _contact(controller.dpo)
        or _contact(controller.contact)
        or f"write to {controller.name}, {controller.address}"
    )
