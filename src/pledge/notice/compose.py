"""Compose the privacy notice from a declaration: what it says, section by section.

>>> from pledge.declaration import load_text
>>> d = load_text("controller: {name: A Ltd, address: 1 Road}").declaration
>>> [s.id for s in compose(d, date(2026, 1, 1)).sections][:3]
['about', 'collect', 'purposes']
"""

from __future__ import annotations

from datetime import date

from pledge.declaration.dump import fingerprint
from pledge.declaration.model import Declaration, Purpose
from pledge.notice import words
from pledge.notice.choices import complaints, consent, marketing, rights
from pledge.notice.content import (
    Block,
    Bullets,
    Link,
    Notice,
    Paragraph,
    Section,
    Table,
    Text,
    contact_lines,
    paragraphs,
    slug,
    text,
    web_link,
)
from pledge.notice.retention import retention

#: The ids of the sections every notice has, in order (free-text sections go before "version").
SECTION_IDS = (
    "about",
    "collect",
    "purposes",
    "sharing",
    "retention",
    "marketing",
    "rights",
    "consent",
    "complaints",
    "version",
)


def compose(declaration: Declaration, on: date) -> Notice:
    """The notice for ``declaration``, dated ``on`` and versioned by its fingerprint."""
    taken = set(SECTION_IDS)
    extra = [
        Section(slug(f"notice-{key}", taken), part.title, paragraphs(part.text))
        for key, part in declaration.notice.items()
    ]
    version = fingerprint(declaration)
    sections = [
        about(declaration),
        collect(declaration, taken),
        purposes(declaration, taken),
        sharing(declaration),
        retention(declaration),
        marketing(declaration),
        rights(declaration),
        consent(declaration),
        complaints(declaration),
        *extra,
        Section(
            "version",
            "About this notice",
            [
                Paragraph(text(f"Version {version}, dated {on.isoformat()}.")),
                Paragraph(
                    text(
                        "This notice is generated from the same description of our data that "
                        "our systems follow, so when our practices change, this notice changes "
                        "with them."
                    )
                ),
            ],
        ),
    ]
    name = declaration.controller.name
    return Notice(f"Privacy notice: {name}", name, version, on, sections)


def about(declaration: Declaration) -> Section:
    c = declaration.controller
    trading = f" (trading as {words.join(c.trading_names)})" if c.trading_names else ""
    facts: list[Text] = [text(f"Address: {c.address}")]
    if c.company_number:
        facts.append(text(f"Company number: {c.company_number}"))
    if c.ico_registration:
        facts.append(text(f"Registered with the Information Commissioner: {c.ico_registration}"))
    if c.contact is not None:
        facts.extend(contact_lines(c.contact))
    blocks: list[Block] = [
        Paragraph(
            text(
                f"{c.name}{trading} is responsible for your personal information: we decide "
                "why and how it is used (we are its controller)."
            )
        ),
        Bullets(facts),
    ]
    for role, person in (
        ("Our data protection officer", c.dpo),
        ("Our representative", c.representative),
    ):
        if person is not None:
            blocks.append(Paragraph(text(f"{role} can be reached here:")))
            blocks.append(Bullets(contact_lines(person)))
    return Section("about", "Who we are", blocks)


_UNLISTED = "This notice does not list what we collect."


def collect(declaration: Declaration, taken: set[str]) -> Section:
    groups = declaration.data_subjects
    subsections = []
    for key, group in groups.items():
        parts: list[Block] = []
        if group.description:
            parts.append(Paragraph(text(group.description)))
        if group.categories:
            parts.append(Paragraph(text("We collect:")))
            parts.append(Bullets([text(n) for n in words.categories(group.categories)]))
        else:
            parts.append(Paragraph(text(_UNLISTED)))
        if group.sources:
            parts.append(Paragraph(text("It comes from:")))
            parts.append(Bullets([text(s) for s in group.sources]))
        subsections.append(Section(slug(f"collect-{key}", taken), group.name, parts))
    held = words.categories(c for p in declaration.purposes.values() for c in p.categories)
    sources = list(dict.fromkeys(p.source for p in declaration.purposes.values() if p.source))
    blocks: list[Block] = []
    if subsections:
        blocks.append(Paragraph(text("What we collect depends on how you deal with us.")))
    elif held:
        blocks.append(Paragraph(text("We hold:")))
        blocks.append(Bullets([text(n) for n in held]))
    else:
        blocks.append(Paragraph(text(_UNLISTED)))
    if sources:
        blocks.append(Paragraph(text("Where it comes from:")))
        blocks.append(Bullets([text(s) for s in sources]))
    return Section("collect", "What we collect and where it comes from", blocks, subsections)


def purposes(declaration: Declaration, taken: set[str]) -> Section:
    intro = Paragraph(
        text(
            "We use your information for the purposes below. For each, the law requires a "
            "reason (a lawful basis); we name it."
        )
    )
    subsections = [
        Section(slug(f"purpose-{key}", taken), p.description, [Bullets(_purpose(declaration, p))])
        for key, p in declaration.purposes.items()
    ]
    if not subsections:
        intro = Paragraph(text("This notice does not list the purposes we use information for."))
    return Section("purposes", "Why we use your information", [intro], subsections)


def _purpose(declaration: Declaration, p: Purpose) -> list[Text]:
    items = [text(f"Lawful basis: {words.BASIS[p.lawful_basis]}.")]
    if p.legitimate_interest:
        items.append(text(f"Our legitimate interest: {p.legitimate_interest}"))
    if p.special_category_condition:
        condition = words.CONDITION[p.special_category_condition]
        items.append(text(f"For sensitive (special category) information we rely on {condition}."))
    if p.categories:
        items.append(text(f"Information used: {words.join(words.categories(p.categories))}."))
    if p.data_subjects:
        items.append(text(f"About: {words.join(words.data_subjects(declaration, p))}."))
    if p.source:
        items.append(text(f"Where it comes from: {p.source}"))
    names = [declaration.recipients[r].name for r in p.recipients if r in declaration.recipients]
    if names:
        items.append(text(f"Shared with: {words.join(names)}."))
    rules = [declaration.retention[r] for r in p.retention if r in declaration.retention]
    for rule in rules:
        what = words.records(rule)
        items.append(text(f"Kept: {what}: {words.period(rule)}, {words.afterwards(rule)}."))
    if p.retention_criteria:
        shared = sum(
            1 for q in declaration.purposes.values() if q.retention_criteria == p.retention_criteria
        )
        said = "by the criteria under 'How long we keep it'" if shared > 1 else p.retention_criteria
        items.append(text(f"How long we keep it: {said}"))
    if p.requirement:
        items.append(text(words.REQUIREMENT[p.requirement]))
    if p.automated_decision_making:
        items.append(text(f"Automated decisions: {p.automated_decision_making}"))
    return items


def sharing(declaration: Declaration) -> Section:
    recipients = declaration.recipients
    if not recipients:
        return Section(
            "sharing",
            "Who we share it with",
            [Paragraph(text("This notice names no organisations we share information with."))],
        )
    rows: list[list[Text]] = []
    for r in recipients.values():
        who = text(r.name)
        if r.notice_url:
            who = text(r.name, " (", Link("their privacy notice", web_link(r.notice_url).href), ")")
        shared = words.join(words.categories(r.categories)) or "Not stated"
        safeguard = words.SAFEGUARD[r.safeguard] if r.safeguard else "Not needed"
        if r.country != "GB" and r.safeguard is None:
            safeguard = "Not stated"
        rows.append(
            [
                who,
                text(r.service),
                text(shared),
                text(words.country(r.country)),
                text(safeguard),
            ]
        )
    abroad = [r for r in recipients.values() if r.country != "GB"]
    blocks: list[Block] = [
        Paragraph(
            text(
                "These organisations receive personal information from us. Those that work for "
                "us (processors) may use it only on our instructions."
            )
        ),
        Table(
            "Organisations that receive personal information",
            ["Organisation", "What they do", "Information shared", "Where", "Safeguard"],
            rows,
        ),
    ]
    if abroad:
        places = words.join(
            sorted({words.country(r.country) for r in abroad}),
        )
        blocks.append(
            Paragraph(
                text(
                    f"Some of them hold it outside the UK ({places}); the table names the "
                    "safeguard that protects it there."
                )
            )
        )
    return Section("sharing", "Who we share it with", blocks)
