"""HR: job applicants and employees, a few per chunk of customers.

Applicants whose last activity is past the 600-day rule by more than a month have already
been archived; those archived less than 90 days ago are still in the archive. The rest wait
in the live table, some of them already due, so a retention run has work at every step.
"""

from __future__ import annotations

from datetime import timedelta

from pledge.demo import identifiers, names
from pledge.demo.customers import email, pick
from pledge.demo.rows import Chunk

DAY = 86_400
_STATUSES = ("applied", "interviewed", "offered", "rejected", "withdrawn")


def make_staff(chunk: Chunk) -> None:
    """Fill the HR tables; note employee numbers for the contact centre's agents."""
    rng = chunk.rng("hr")
    clock, size = chunk.clock, len(chunk.plan.chunk_range(chunk.index))
    salt = chunk.plan.seed % 1_000
    employees, applicants = chunk.add("employee"), chunk.add("applicant")
    archive = chunk.add("applicant_archive")
    for k in range(3 + size // 100):
        staff_number = 1_001 + chunk.index * 100 + k
        first, last = pick(rng, names.FIRST_NAMES), pick(rng, names.SURNAMES)
        started = int(rng.random() * (clock.now - 30 * DAY))
        left = started + int(rng.random() * (clock.now - started)) if rng.random() < 0.35 else None
        if left is None:
            chunk.employee_ids.append(staff_number)
        age_days = int((19 + rng.random() * 45) * 365.25)
        born = (clock.start + timedelta(days=started // DAY - age_days)).isoformat()
        town = pick(rng, [t.name for t in names.TOWNS])
        place = next(t for t in names.TOWNS if t.name == town)
        employees.append((
            staff_number, first, last,
            email(first, last, identifiers.scatter(staff_number, 1_000_000, salt), "mail.example"),
            identifiers.mobile(5_000_000 + staff_number, salt), born, identifiers.ni_number(rng),
            identifiers.postcode(place, rng), pick(rng, names.JOB_TITLES),
            pick(rng, names.DEPARTMENTS), clock.stamp(started),
            None if left is None else clock.stamp(left),
        ))  # fmt: skip
    if not chunk.employee_ids:  # someone must answer the phones
        chunk.employee_ids.append(1_001 + chunk.index * 100)
    for k in range(5 + size // 40):
        applicant_number = 500_001 + chunk.index * 1_000 + k
        first, last = pick(rng, names.FIRST_NAMES), pick(rng, names.SURNAMES)
        applied = clock.now - int(rng.random() * 3 * 365 * DAY)
        active = min(applied + int(rng.random() * 120 * DAY), clock.now - DAY)
        place = names.TOWNS[int(rng.random() * len(names.TOWNS))]
        number = identifiers.scatter(applicant_number, 1_000_000, salt)
        row = (
            applicant_number, first, last, email(first, last, number, "example.net"),
            identifiers.mobile(6_000_000 + applicant_number, salt),
            identifiers.postcode(place, rng),
            pick(rng, names.JOB_TITLES), pick(rng, _STATUSES), clock.stamp(applied),
            clock.stamp(active),
        )  # fmt: skip
        if active < clock.now - 630 * DAY:
            archive.append((*row, clock.stamp(active + 600 * DAY)))
        else:
            applicants.append(row)
