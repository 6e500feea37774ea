"""Each lint check: found, placed, and said; and the declaration's unstated topics turning a
topic's findings into one finding at the entry that explains them."""

from __future__ import annotations

import pytest

from pledge.declaration import load_text
from pledge.notice.lint import RULES, TOPIC_CODE, Finding, counts, lint, summary, to_markdown

# A declaration that lints clean: every checklist item stated, everything consistent.
CLEAN = """\
controller:
  name: Northwold Telecom Ltd
  address: 1 Quay Street, Hull HU1 1AA
  contact: {email: hello@northwold.example}
  dpo: {title: Head of Risk, email: dpo@northwold.example}
  complaints: {web: https://northwold.example/complaints}
systems:
  crm:
    connection: env:CRM_URL
    datasets:
      customer:
        fields:
          id: {primary_key: true, identity: customer_id}
          email: {categories: [user.contact.email], identity: email}
          created_at: {}
purposes:
  billing:
    description: Bill you for the calls you make
    lawful_basis: contract
    requirement: contractual
    automated_decision_making: none
    categories: [user.contact.email]
    data_subjects: [customers]
    datasets: [crm.customer]
    recipients: [creditstyle]
    retention: [customers]
    source: You, when you sign up
recipients:
  creditstyle: {name: Creditstyle, service: Debt collection, categories: [user.contact.email]}
retention:
  customers: {dataset: crm.customer, keep: 6 years, from: created_at, then: delete}
marketing:
  channels: [email, sms, phone]
  sms: {keywords: [STOP]}
  opt_out_routes: [{how: Unsubscribe link in every email, channels: [email, phone]}]
"""


def codes(text: str) -> dict[str, int]:
    return counts(lint(load_text(text, "pledge.yaml")))


def test_clean_declaration_has_no_findings() -> None:
    assert lint(load_text(CLEAN, "pledge.yaml")) == []


# (replace, with, the code that must appear)
CASES = [
    (
        "  contact: {email: hello@northwold.example}\n  dpo: {title: Head of Risk, email: "
        "dpo@northwold.example}\n  complaints: {web: https://northwold.example/complaints}\n",
        "",
        "PL101",
    ),
    ("  dpo: {title: Head of Risk, email: dpo@northwold.example}\n", "", "PL102"),
    ("lawful_basis: contract", "lawful_basis: legitimate-interests", "PL105"),
    ("    categories: [user.contact.email]\n    data_subjects", "    data_subjects", "PL106"),
    ("    data_subjects: [customers]\n", "", "PL107"),
    ("    source: You, when you sign up\n", "", "PL108"),
    ("categories: [user.contact.email]}\nretention", "}\nretention", "PL110"),
    ("service: Debt collection,", "service: Debt collection, country: US,", "PL111"),
    (
        "service: Debt collection,",
        "service: Debt collection, country: US, safeguard: eu-us-privacy-shield,",
        "PL111",
    ),
    ("    retention: [customers]\n", "", "PL112"),
    ("    retention: [customers]\n", "    retention_criteria: as long as needed\n", "PL113"),
    (
        "categories: [user.contact.email]\n    data_subjects",
        "categories: [user.contact.email, user.health_and_medical]\n    data_subjects",
        "PL114",
    ),
    ("  complaints: {web: https://northwold.example/complaints}\n", "", "PL118"),
    ("    requirement: contractual\n", "", "PL120"),
    ("    automated_decision_making: none\n", "", "PL121"),
    ("    datasets: [crm.customer]\n", "", "PL201"),
    (
        "          created_at: {}\n",
        "          created_at: {}\n      note:\n        fields:\n"
        "          customer_id: {references: customer.id}\n"
        "          body: {categories: [user.contact.email]}\n",
        "PL202",
    ),
    (
        "created_at: {}",
        "created_at: {}\n          phone: {categories: [user.contact.phone_number]}",
        "PL203",
    ),
    (
        "recipients:\n  creditstyle",
        "recipients:\n  spare: {name: Spare, service: Storage, "
        "categories: [user.contact.email]}\n  creditstyle",
        "PL204",
    ),
    (
        "  customers: {dataset",
        "  spare: {dataset: crm.customer, keep: 1 year, from: created_at, "
        "then: delete}\n  customers: {dataset",
        "PL205",
    ),
    (
        "categories: [user.contact.email]}\nretention",
        "categories: [user.contact.email, user.name]}\nretention",
        "PL206",
    ),
    ("channels: [email, phone]}", "channels: [email]}", "PL207"),
    (
        "  sms: {keywords: [STOP]}\n",
        "  sms: {keywords: [STOP]}\n  phone: {screen_ctps: false}\n",
        "PL208",
    ),
]


@pytest.mark.parametrize(("old", "new", "code"), CASES)
def test_each_check_finds_its_problem(old: str, new: str, code: str) -> None:
    assert old in CLEAN
    found = codes(CLEAN.replace(old, new, 1))
    assert code in found, found


def test_consent_needs_a_way_to_withdraw_and_privacy_shield_is_no_safeguard() -> None:
    text = CLEAN.replace("lawful_basis: contract", "lawful_basis: consent")
    findings = lint(load_text(text, "pledge.yaml"))
    withdrawal = [f for f in findings if f.code == "PL117"]
    assert len(withdrawal) == 1
    assert withdrawal[0].place is not None and withdrawal[0].place.line == 19
    assert "withdraw" in withdrawal[0].message
    fixed = text.replace(
        "controller:\n", "rights: {withdraw_consent: {email: a@b.example}}\ncontroller:\n"
    )
    assert "PL117" not in codes(fixed)
    centre = text.replace(
        "  complaints:", "  privacy_centre: https://northwold.example/p\n  complaints:"
    )
    assert "PL117" not in codes(centre)


def test_findings_are_placed_at_the_offending_line() -> None:
    text = CLEAN.replace("service: Debt collection,", "service: Debt collection, country: US,")
    (finding,) = [f for f in lint(load_text(text, "pledge.yaml")) if f.code == "PL111"]
    assert finding.place is not None
    assert (finding.place.file, finding.place.line) == ("pledge.yaml", 29)
    assert str(finding).startswith("pledge.yaml:29:")
    assert "error PL111: recipients.creditstyle.country:" in str(finding)
    assert "United States" in finding.message


def test_unstated_topic_gives_one_finding_at_its_entry() -> None:
    text = CLEAN.replace(
        "    categories: [user.contact.email]\n    data_subjects", "    data_subjects"
    )
    text = text.replace(
        "recipients:\n  creditstyle",
        "  second:\n    description: Two\n"
        "    lawful_basis: contract\n    data_subjects: [customers]\n"
        "    retention: [customers]\nrecipients:\n  creditstyle",
    )
    assert codes(text)["PL106"] == 2
    silent = text + "unstated: {categories: the list of data is empty}\n"
    findings = [f for f in lint(load_text(silent, "pledge.yaml")) if f.code == "PL106"]
    assert len(findings) == 1
    assert findings[0].where == "unstated.categories"
    assert "the list of data is empty" in findings[0].message
    assert findings[0].severity == "error"


def test_unstated_topics_without_a_structural_check_are_still_reported() -> None:
    text = (
        CLEAN
        + "unstated:\n  complain-to-ico: never mentions the ICO\n  rights: lists access only\n"
    )
    assert codes(text) == {"PL115": 1, "PL119": 1}


def test_every_topic_has_a_code_and_every_rule_a_known_severity() -> None:
    from typing import get_args

    from pledge.declaration.model import NoticeTopic

    assert set(TOPIC_CODE) == set(get_args(NoticeTopic))
    assert {r.severity for r in RULES.values()} <= {"error", "warning", "info"}


def test_check_warnings_are_included_as_pl001() -> None:
    text = CLEAN.replace(
        "created_at: {}",
        "created_at: {}\n      notes:\n        fields:\n"
        "          body: {categories: [user.contact.email]}",
    )
    assert codes(text).get("PL001") == 1


def test_summary_and_markdown() -> None:
    findings = [
        Finding("PL111", "error", None, "recipients.x", "a | b"),
        Finding("PL102", "warning", None, "controller", "no DPO"),
    ]
    assert summary(findings) == "1 error, 1 warning, 0 info"
    table = to_markdown(findings)
    assert table.splitlines()[0] == "| Line | Severity | Code | Where | Finding |"
    assert r"a \| b" in table
