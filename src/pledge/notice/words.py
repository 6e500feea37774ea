"""Plain words for the declaration's codes: lawful bases, channels, rights, categories.

Every renderer (notice, ROPA, diff, lint) says these things the same way, so they live here.
"""

from __future__ import annotations

from collections.abc import Iterable

from pledge import taxonomy
from pledge.declaration.model import Declaration, Purpose, RetentionRule

BASIS = {
    "consent": "your consent",
    "contract": "a contract with you, or steps you asked for before one",
    "legal-obligation": "a legal obligation we have",
    "vital-interests": "protecting someone's life (vital interests)",
    "public-task": "a task in the public interest (public task)",
    "legitimate-interests": "our legitimate interests",
}
BASIS_SHORT = {
    "consent": "Consent (Art. 6(1)(a))",
    "contract": "Contract (Art. 6(1)(b))",
    "legal-obligation": "Legal obligation (Art. 6(1)(c))",
    "vital-interests": "Vital interests (Art. 6(1)(d))",
    "public-task": "Public task (Art. 6(1)(e))",
    "legitimate-interests": "Legitimate interests (Art. 6(1)(f))",
}
CONDITION = {
    "explicit-consent": "your explicit consent",
    "employment-social-security": "employment and social security law",
    "vital-interests": "protecting someone's life",
    "not-for-profit": "the activities of a not-for-profit body",
    "made-public": "information you have made public",
    "legal-claims": "legal claims",
    "substantial-public-interest": "substantial public interest",
    "health-or-social-care": "health or social care",
    "public-health": "public health",
    "archiving-research-statistics": "archiving, research or statistics",
}
CHANNEL = {
    "email": "email",
    "sms": "text message",
    "phone": "phone call",
    "post": "post",
    "social": "social media",
    "online-advertising": "online advertising",
}
SAFEGUARD = {
    "adequacy": "UK adequacy regulations",
    "uk-idta": "the UK International Data Transfer Agreement",
    "uk-addendum-to-eu-sccs": "the UK Addendum to the EU standard contractual clauses",
    "binding-corporate-rules": "binding corporate rules",
    "derogation": "an exception for a specific situation (Art. 49)",
    "eu-us-privacy-shield": "EU-US Privacy Shield (invalid since July 2020)",
    "none-stated": "None stated",
}
THEN = {
    "delete": "then deleted",
    "anonymise": "then anonymised",
    "archive": "then archived",
}
REQUIREMENT = {
    "statutory": "The law requires you to give us this information.",
    "contractual": "We need this information to provide the service; without it we cannot.",
    "voluntary": "Giving us this information is up to you.",
}
#: The rights, in the order people meet them, with what each means.
RIGHTS = {
    "access": ("Access", "ask for a copy of the information we hold about you"),
    "rectification": ("Correction", "ask us to correct information that is wrong or incomplete"),
    "erasure": ("Erasure", "ask us to delete your information"),
    "restriction": ("Restriction", "ask us to stop using your information for a while"),
    "portability": (
        "Portability",
        "get the information you gave us in a file a computer can read, or have it sent to "
        "another organisation",
    ),
    "objection": (
        "Objection",
        "object to uses based on our legitimate interests; an objection to direct marketing "
        "always succeeds",
    ),
}
#: Which rights apply under each lawful basis (the ICO's table).
RIGHTS_BY_BASIS = {
    "consent": ("access", "rectification", "erasure", "restriction", "portability"),
    "contract": ("access", "rectification", "erasure", "restriction", "portability"),
    "legal-obligation": ("access", "rectification", "restriction"),
    "vital-interests": ("access", "rectification", "erasure", "restriction"),
    "public-task": ("access", "rectification", "restriction", "objection"),
    "legitimate-interests": ("access", "rectification", "erasure", "restriction", "objection"),
}
VERIFICATION = {
    "none": "no check",
    "signed-in": "being signed in to your account",
    "email-code": "a code we email you",
    "sms-code": "a code we text you",
    "account-number": "your account number",
    "id-document": "a copy of an identity document",
    "security-questions": "answers to your security questions",
}
ICO_COMPLAINT_URL = "https://ico.org.uk/make-a-complaint/"
ICO_PHONE = "0303 123 1113"
_KEEP_CAPS = {"ID", "IP", "CCTV", "CV"}
#: Where fideslang's name is American or unclear to a UK reader, the words a notice uses.
_PLAIN = {
    "user.contact.email": "Email address",
    "user.contact.organization": "Organisation",
    "user.behavior": "Observed behaviour",
    "user.demographic.date_of_birth": "Date of birth",
    "user.authorization.credentials": "Passwords and security answers",
    "user.device": "Device data (browser, operating system)",
    "user.location.imprecise": "Approximate location",
    "user.location.precise": "Precise location",
    "user.government_id.drivers_license_number": "Driving licence number",
    "user.content.private": "Messages and documents you send us",
    "user.content.public": "Content you publish",
}


def category(key: str) -> str:
    """A data category as people say it: "user.contact.email" -> "Email"."""
    if key in _PLAIN:
        return _PLAIN[key]
    found = taxonomy.categories().get(key)
    name = found.name if found is not None else key
    for prefix in ("User Contact ", "User "):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
    words = [w if w in _KEEP_CAPS else w.lower() for w in name.split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def categories(keys: Iterable[str]) -> list[str]:
    """Plain names for ``keys``, without repeats, in the order given."""
    out: list[str] = []
    for key in keys:
        name = category(key)
        if name not in out:
            out.append(name)
    return out


def join(items: Iterable[str], last: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    listed = list(items)
    if len(listed) <= 1:
        return "".join(listed)
    return f"{', '.join(listed[:-1])} {last} {listed[-1]}"


def data_subjects(declaration: Declaration, purpose: Purpose) -> list[str]:
    """The people a purpose is about, by their group names when groups are declared."""
    groups = declaration.data_subjects
    return [groups[k].name if k in groups else k for k in purpose.data_subjects]


def rights_for(purpose: Purpose) -> list[str]:
    """The names of the rights that apply to a purpose's processing."""
    names = [RIGHTS[r][0] for r in RIGHTS_BY_BASIS[purpose.lawful_basis]]
    if purpose.lawful_basis == "consent":
        names.append("Withdraw consent")
    return names


#: Country names for the codes notices use most; others are shown as their code.
COUNTRY = {
    "GB": "United Kingdom",
    "IE": "Ireland",
    "US": "United States",
    "IN": "India",
    "DE": "Germany",
    "FR": "France",
    "NL": "Netherlands",
    "ES": "Spain",
    "PL": "Poland",
    "DK": "Denmark",
    "MT": "Malta",
    "LU": "Luxembourg",
    "BE": "Belgium",
    "SE": "Sweden",
    "IT": "Italy",
    "CH": "Switzerland",
    "IL": "Israel",
    "PH": "Philippines",
    "ZA": "South Africa",
    "AU": "Australia",
    "CA": "Canada",
}


def country(code: str) -> str:
    """A country's name from its ISO code ("US" -> "United States")."""
    return COUNTRY.get(code, code)


def records(rule: RetentionRule) -> str:
    """What a retention rule keeps, for people: its description, else its dataset's name
    ("network.internet_session" -> "Internet session records")."""
    if rule.description:
        return rule.description
    name = rule.dataset.rpartition(".")[2].replace("_", " ")
    return f"{name[:1].upper()}{name[1:]} records"


def period(rule: RetentionRule) -> str:
    """How long a retention rule keeps data, in words: "12 months after it is recorded"."""
    if rule.counted == "inactivity":
        return f"{rule.keep} after the last activity"
    if rule.counted == "event":
        event = rule.from_
        for suffix in ("_at", "_on", "_date"):
            event = event.removesuffix(suffix)
        return f"{rule.keep} after the '{event.replace('_', ' ')}' date"
    return f"{rule.keep} after it is recorded"


def afterwards(rule: RetentionRule) -> str:
    """What happens when the period ends: "then deleted", "then archived for 90 days ..."."""
    if rule.then == "archive" and rule.archive is not None:
        last = "deleted" if rule.archive.then == "delete" else "anonymised"
        return f"then archived, and {last} {rule.archive.keep} later"
    return THEN[rule.then]


def data_held(declaration: Declaration, dotted: str) -> list[str]:
    """Plain names of the categories a dataset holds ("system.dataset")."""
    found = declaration.dataset(dotted)
    if found is None:
        return []
    return categories(c for f in found[2].fields.values() for c in f.categories)
