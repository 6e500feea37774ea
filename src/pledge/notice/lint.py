"""``pledge lint``: the declaration against the Art. 13/14 checklist and for consistency.

Each finding has a stable code, a severity, the place in the file and a plain sentence.
Where the declaration records that the published notice is silent or vague on a topic
(``unstated``), the findings of that topic become one finding at that entry, quoting it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pledge.declaration.load import Loaded
from pledge.declaration.source import Path_, Place, describe
from pledge.notice import checklist, consistency

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Rule:
    """What a code means: its severity, the checklist topic it belongs to, a short title."""

    severity: Severity
    topic: str | None
    title: str


RULES: dict[str, Rule] = {
    "PL001": Rule("warning", None, "declaration check warning"),
    "PL100": Rule("error", "controller-contact", "controller's identity or address not stated"),
    "PL101": Rule("warning", "controller-contact", "no email, phone or web contact"),
    "PL102": Rule("warning", "dpo", "no data protection officer named"),
    "PL103": Rule("error", "purposes", "no purposes"),
    "PL104": Rule("error", "lawful-basis", "lawful basis not tied to purposes"),
    "PL105": Rule("error", "legitimate-interests", "legitimate interest not described"),
    "PL106": Rule("error", "categories", "data categories not stated"),
    "PL107": Rule("warning", "data-subjects", "people concerned not stated"),
    "PL108": Rule("warning", "sources", "source of the data not stated"),
    "PL109": Rule("error", "recipients", "recipients not named"),
    "PL110": Rule("error", "data-shared", "data shared with a recipient not stated"),
    "PL111": Rule("error", "transfers", "transfer abroad without a valid safeguard"),
    "PL112": Rule("error", "retention", "no retention period or criteria"),
    "PL113": Rule("warning", "retention", "retention given only as criteria"),
    "PL114": Rule("error", "special-category", "special category data without Art. 9 condition"),
    "PL115": Rule("error", "rights", "rights missing from the notice"),
    "PL116": Rule("error", "rights-how", "no way to exercise the rights"),
    "PL117": Rule("error", "withdraw-consent", "no way to withdraw consent"),
    "PL118": Rule("warning", "complaints", "no complaints route to the organisation"),
    "PL119": Rule("error", "complain-to-ico", "right to complain to the ICO missing"),
    "PL120": Rule("warning", "requirement", "statutory or contractual requirement not stated"),
    "PL121": Rule("warning", "automated-decisions", "automated decision-making not stated"),
    "PL201": Rule("error", None, "personal dataset with no purpose"),
    "PL202": Rule("warning", None, "personal dataset with no retention rule"),
    "PL203": Rule("error", None, "data held that no purpose declares"),
    "PL204": Rule("warning", None, "recipient no purpose shares with"),
    "PL205": Rule("warning", None, "retention rule no purpose uses"),
    "PL206": Rule("warning", None, "recipient gets data its purposes do not declare"),
    "PL207": Rule("error", "marketing-opt-out", "marketing channel without an opt-out route"),
    "PL208": Rule("error", None, "marketing calls without TPS/CTPS screening"),
    "PL209": Rule("warning", None, "purpose names an undeclared group of people"),
    "PL210": Rule("warning", None, "opt-out route names an undeclared stream"),
}
#: For each topic, the code reported when the declaration says the notice is silent on it.
TOPIC_CODE = {rule.topic: code for code, rule in reversed(RULES.items()) if rule.topic}


@dataclass(frozen=True)
class Finding:
    """One lint finding, placed in the declaration file."""

    code: str
    severity: Severity
    place: Place | None
    where: str
    message: str

    def __str__(self) -> str:
        at = f"{self.place}: " if self.place else ""
        where = f"{self.where}: " if self.where else ""
        return f"{at}{self.severity} {self.code}: {where}{self.message}"


def lint(loaded: Loaded) -> list[Finding]:
    """Every finding for a loaded declaration, in file order."""
    declaration = loaded.declaration
    unstated = declaration.unstated
    raw = [*checklist.check(declaration), *consistency.check(declaration)]
    out = [Finding("PL001", "warning", w.place, w.where, w.message) for w in loaded.warnings]
    for code, path, message in raw:
        if RULES[code].topic not in unstated:
            out.append(_finding(loaded, code, path, message))
    for topic, note in unstated.items():
        code = TOPIC_CODE[topic]
        message = f"the published notice is silent or vague here: {note}"
        out.append(_finding(loaded, code, ("unstated", topic), message))
    out.sort(key=lambda f: (f.place.line, f.place.column, f.code) if f.place else (0, 0, f.code))
    return out


def _finding(loaded: Loaded, code: str, path: Path_, message: str) -> Finding:
    return Finding(code, RULES[code].severity, loaded.source.place(path), describe(path), message)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each code."""
    out: dict[str, int] = {}
    for f in findings:
        out[f.code] = out.get(f.code, 0) + 1
    return dict(sorted(out.items()))


def summary(findings: list[Finding]) -> str:
    """ "2 errors, 1 warning, 0 info"."""
    parts = []
    for severity in SEVERITIES:
        n = sum(1 for f in findings if f.severity == severity)
        label = severity if severity == "info" or n == 1 else f"{severity}s"
        parts.append(f"{n} {label}")
    return ", ".join(parts)


def to_markdown(findings: list[Finding]) -> str:
    """The findings as a Markdown table (for reports such as docs/reference-notices.md)."""
    lines = ["| Line | Severity | Code | Where | Finding |", "|---|---|---|---|---|"]
    for f in findings:
        line = str(f.place.line) if f.place else ""
        message = f.message.replace("|", "\\|")
        lines.append(f"| {line} | {f.severity} | {f.code} | `{f.where}` | {message} |")
    return "\n".join(lines) + "\n"
