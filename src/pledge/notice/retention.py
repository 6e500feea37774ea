"""The notice's section on how long information is kept: each retention rule in plain
words, with the categories it covers, and the criteria used where there is no fixed period."""

from __future__ import annotations

from pledge.declaration.model import Declaration
from pledge.notice import words
from pledge.notice.content import Block, Bullets, Paragraph, Section, Table, Text, text


def retention(declaration: Declaration) -> Section:
    rows: list[list[Text]] = []
    for rule in declaration.retention.values():
        covers = words.join(words.data_held(declaration, rule.dataset)) or "Not stated"
        why = ""
        if rule.forbids_earlier_erasure and rule.basis:
            reason = f" ({rule.legal_reference})" if rule.legal_reference else ""
            why = f"; we must keep it this long{reason}, even if you ask us to delete it"
        rows.append(
            [
                text(words.records(rule)),
                text(covers),
                text(f"{words.period(rule)}, {words.afterwards(rule)}{why}"),
            ]
        )
    blocks: list[Block] = []
    if rows:
        headers = ["Records", "Covers", "Kept"]
        blocks.append(Table("How long we keep each kind of record", headers, rows))
    criteria: dict[str, list[str]] = {}
    for p in declaration.purposes.values():
        if p.retention_criteria:
            criteria.setdefault(p.retention_criteria, []).append(p.description)
    if criteria:
        blocks.append(Paragraph(text("Where we give no fixed period, we decide this way:")))
        blocks.append(
            Bullets([text(f"{rule} (for: {'; '.join(uses)})") for rule, uses in criteria.items()])
        )
    if not blocks:
        blocks.append(Paragraph(text("This notice does not say how long information is kept.")))
    return Section("retention", "How long we keep it", blocks)
