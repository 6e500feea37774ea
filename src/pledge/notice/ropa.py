"""The Article 30 record of processing: one row per purpose, in the column order of the
ICO's controller documentation template (sheet "Template", columns A to AD)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pledge.declaration.model import Contact, Declaration, Purpose
from pledge.notice import words, xlsx
from pledge.outputs import cell

#: The ICO controller template's headings, verbatim and in order.
COLUMNS = (
    "Business function",
    "Purpose of processing",
    "Name and contact details of joint controller (if applicable)",
    "Categories of individuals",
    "Categories of personal data",
    "Categories of recipients",
    "Link to contract with processor",
    "Names of third countries or international organisations that personal data are "
    "transferred to (if applicable)",
    "Safeguards for exceptional transfers of personal data to third countries or "
    "international organisations (if applicable)",
    "Retention schedule (if possible)",
    "General description of technical and organisational security measures (if possible)",
    "Article 6 lawful basis for processing personal data",
    "Article 9 condition for processing special category data",
    "Legitimate interests for the processing (if applicable)",
    "Link to record of legitimate interests assessment (if applicable)",
    "Rights available to individuals",
    "Existence of automated decision-making, including profiling (if applicable)",
    "The source of the personal data (if applicable)",
    "Link to record of consent",
    "Location of personal data",
    "Data Protection Impact Assessment required?",
    "Data Protection Impact Assessment progress",
    "Link to Data Protection Impact Assessment",
    "Has a personal data breach occurred?",
    "Link to record of personal data breach",
    "Data Protection Act 2018 Schedule 1 Condition for processing",
    "GDPR Article 6 lawful basis for processing",
    "Link to retention and erasure policy document",
    "Is personal data retained and erased in accordance with the policy document?",
    "Reasons for not adhering to policy document (if applicable)",
)


@dataclass(frozen=True)
class Record:
    """The record: who the controller is (Art. 30(1)(a)) and one row per purpose."""

    controller: list[tuple[str, str]]
    rows: list[list[str]]


def record(declaration: Declaration) -> Record:
    """The Art. 30 record of ``declaration``."""
    c = declaration.controller
    details = [("Name", c.name), ("Address", c.address)]
    for label, contact in (
        ("Contact", c.contact),
        ("Data protection officer", c.dpo),
        ("Representative", c.representative),
    ):
        if contact is not None:
            details.append((label, _contact(contact)))
    if c.ico_registration:
        details.append(("ICO registration", c.ico_registration))
    rows = [_row(declaration, p) for p in declaration.purposes.values()]
    return Record(details, rows)


def _contact(contact: Contact) -> str:
    parts = (contact.title, contact.name, contact.email, contact.phone, contact.address)
    return ", ".join(p for p in parts if p)


def _row(d: Declaration, p: Purpose) -> list[str]:
    recipients = [d.recipients[r] for r in p.recipients if r in d.recipients]
    abroad = [r for r in recipients if r.country != "GB"]
    rules = [d.retention[r] for r in p.retention if r in d.retention]
    schedule = [f"{words.records(r)}: {words.period(r)}, {words.afterwards(r)}" for r in rules]
    if p.retention_criteria:
        schedule.append(p.retention_criteria)
    locations = []
    for dotted in p.datasets:
        system = d.systems.get(dotted.partition(".")[0])
        if system is not None:
            where = f" ({system.location})" if system.location else ""
            locations.append(f"{dotted}{where}")
    sources = [p.source] if p.source else []
    sources += [
        s for k in p.data_subjects if k in d.data_subjects for s in d.data_subjects[k].sources
    ]
    special = p.special_category_condition
    cells = {
        "Business function": p.business_function or "",
        "Purpose of processing": p.description,
        "Name and contact details of joint controller (if applicable)": "; ".join(
            f"{r.name} ({r.notice_url})" if r.notice_url else r.name
            for r in recipients
            if r.role == "joint-controller"
        ),
        "Categories of individuals": "; ".join(words.data_subjects(d, p)),
        "Categories of personal data": "; ".join(words.categories(p.categories)),
        "Categories of recipients": "; ".join(f"{r.name} ({r.service})" for r in recipients),
        "Link to contract with processor": "; ".join(
            f"{r.name}: {r.contract_url}" for r in recipients if r.contract_url
        ),
        COLUMNS[7]: "; ".join(f"{words.country(r.country)} ({r.name})" for r in abroad),
        COLUMNS[8]: "; ".join(
            f"{r.name}: {words.SAFEGUARD[r.safeguard] if r.safeguard else 'not stated'}"
            for r in abroad
        ),
        "Retention schedule (if possible)": "; ".join(schedule),
        COLUMNS[10]: "; ".join(d.security_measures),
        "Article 6 lawful basis for processing personal data": words.BASIS_SHORT[p.lawful_basis],
        "Article 9 condition for processing special category data": (
            words.CONDITION[special] if special else ""
        ),
        "Legitimate interests for the processing (if applicable)": p.legitimate_interest or "",
        "Rights available to individuals": ", ".join(words.rights_for(p)),
        COLUMNS[16]: p.automated_decision_making or "",
        "The source of the personal data (if applicable)": "; ".join(dict.fromkeys(sources)),
        "Location of personal data": "; ".join(locations),
        "GDPR Article 6 lawful basis for processing": (
            words.BASIS_SHORT[p.lawful_basis] if special else ""
        ),
    }
    return [cells.get(column, "") for column in COLUMNS]


def to_csv(rec: Record) -> str:
    """The record as CSV: the template's headings, then one row per purpose."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    # Rows carry the declaration's free text: none may start a spreadsheet formula.
    writer.writerows([cell(value) for value in row] for row in rec.rows)
    return out.getvalue()


def to_xlsx(rec: Record) -> bytes:
    """The record as an .xlsx workbook: the purposes sheet, then the controller's details."""
    return xlsx.workbook(
        [
            ("Record of processing", [list(COLUMNS), *rec.rows]),
            ("Controller", [["Item", "Details"], *[list(item) for item in rec.controller]]),
        ]
    )
