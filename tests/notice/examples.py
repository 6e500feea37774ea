"""The reference declarations under examples/ and the lint findings each must give.

The counts are the gap report of each published notice (docs/reference-notices.md): a
change to a declaration or to lint that moves them should be a deliberate one.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: Example folder -> lint code -> how many findings of that code.
EXPECTED: dict[str, dict[str, int]] = {
    "cmm-telecoms": {
        "PL100": 1,  # no legal entity, company number or address
        "PL102": 1,  # no DPO (declared unstated)
        "PL103": 1,  # section 4's list of purposes is empty
        "PL106": 1,  # section 2's list of data is empty
        "PL108": 1,  # section 3's list of sources is empty
        "PL109": 1,  # section 6's list of recipients is empty
        "PL113": 9,  # every purpose: criteria, no period
        "PL115": 1,  # section 12's list of rights is empty
        "PL118": 1,  # no complaints route to CMM
        "PL119": 1,  # no ICO
        "PL121": 1,  # automated decisions not mentioned
        "PL202": 1,
    },
    "kcom-2019": {
        "PL104": 1,  # bases listed, not tied to purposes
        "PL105": 1,  # legitimate interests never described
        "PL110": 1,  # data shared with group, advisers, regulators not stated
        "PL111": 1,  # transfers outside the EEA: no countries or safeguards
        "PL113": 17,
        "PL115": 1,  # restriction and objection (beyond marketing) missing
        "PL117": 1,  # no way to withdraw consent for health data or cookies
        "PL121": 1,
        "PL202": 15,
    },
    "konnect-communities-2021": {
        "PL102": 1,
        "PL104": 1,
        "PL105": 1,
        "PL108": 1,
        "PL110": 1,
        "PL111": 1,
        "PL112": 1,  # cookie data: no period, no criteria
        "PL113": 3,
        "PL118": 1,
        "PL119": 1,  # the ICO link is missing from the published text
        "PL120": 1,
        "PL202": 3,
        "PL207": 1,  # custom audiences: no way to opt out
    },
    "kynex-2023": {
        "PL100": 1,
        "PL104": 1,
        "PL105": 1,
        "PL110": 1,
        "PL111": 2,  # Google and MailChimp under EU-US Privacy Shield
        "PL113": 13,
        "PL115": 1,  # only access is described
        "PL118": 1,
        "PL119": 1,
        "PL121": 1,
        "PL202": 7,
        "PL204": 1,  # HR providers named, no purpose given
        "PL207": 4,  # SMS, phone, post and social marketing: no opt-out route
    },
    "prepaid-calling-provider": {
        "PL100": 1,  # the company is never named
        "PL102": 1,
        "PL104": 1,
        "PL105": 1,
        "PL109": 1,  # 'never to third parties', then a list of them
        "PL110": 3,
        "PL111": 1,
        "PL113": 5,
        "PL115": 1,
        "PL117": 1,
        "PL118": 1,
        "PL120": 1,
        "PL121": 1,
        "PL202": 2,
    },
}


def example(name: str) -> Path:
    """The declaration file of an example."""
    return EXAMPLES / name / "pledge.yaml"
