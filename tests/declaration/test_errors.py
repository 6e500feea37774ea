"""Each kind of declaration error: found, placed (file, line, column) and said plainly."""

from __future__ import annotations

import pytest

from pledge.declaration import DeclarationInvalid, DeclarationUnreadable, load_text

BASE = """\
controller:
  name: Northwold Telecom Ltd
  address: 1 Quay Street, Hull HU1 1AA
rights:
  verification: {access: email-code, erasure: email-code+account-number}
systems:
  crm:
    connection: env:CRM_URL
    datasets:
      customer:
        fields:
          id: {primary_key: true, identity: customer_id}
          email: {categories: [user.contact.email], identity: email}
          name: {categories: [user.name]}
      address:
        erase: update
        restriction_column: restricted
        fields:
          customer_id: {references: customer.id}
          line1: {categories: [user.contact.address.street], erase: mask}
          created_at: {}
          restricted: {}
purposes:
  billing:
    description: Bill you for the calls you make
    lawful_basis: contract
    categories: [user.contact]
    recipients: [creditstyle]
    retention: [addresses]
    datasets: [crm.customer]
recipients:
  creditstyle: {name: Creditstyle, service: Debt collection, categories: [user.name]}
retention:
  addresses: {dataset: crm.address, keep: 12 months, from: created_at, then: delete}
marketing:
  channels: [email, sms]
  streams: [residential, business]
"""


def test_base_is_valid() -> None:
    loaded = load_text(BASE, "pledge.yaml")
    assert loaded.declaration.controller.name == "Northwold Telecom Ltd"
    assert loaded.warnings == []


# (what to replace, replacement, line of the error, words the message must contain)
CASES = [
    (
        "  address: 1 Quay",
        "  adress: 1 Quay",
        3,
        ["unknown key 'adress'", "did you mean 'address'"],
    ),
    ("  address: 1 Quay Street, Hull HU1 1AA\n", "", 1, ["'address' is missing"]),
    (
        "[user.contact.email]",
        "[user.contact.emial]",
        13,
        ["'user.contact.emial' is not a known data category", "did you mean 'user.contact.email'"],
    ),
    ("{categories: [user.name]}", "{categories: user.name}", 14, ["'categories' should be a list"]),
    (
        "identity: customer_id}",
        "identity: customer_id, erase: mask}",
        12,
        ["crm.customer.id is a primary key", "never masked"],
    ),
    (
        "{references: customer.id}",
        "{references: customer.id, erase: nullify}",
        19,
        ["reference to another table"],
    ),
    (
        "{references: customer.id}",
        "{references: customer.idd}",
        19,
        ["crm.customer.idd, which is not declared", "did you mean crm.customer.id"],
    ),
    ("{references: customer.id}", "{references: nothing}", 19, ["should name a field"]),
    (
        "[user.contact.address.street], erase: mask}",
        "[user.contact.address.street]}",
        20,
        ["holds personal data", "add erase: nullify, mask, hash or keep"],
    ),
    ("erase: mask}", "erase: blank}", 20, ["'blank' is not allowed", "'nullify'"]),
    (
        "restriction_column: restricted",
        "restriction_column: restrict",
        17,
        ["restriction column 'restrict' is not a field", "did you mean restricted"],
    ),
    ("    lawful_basis: contract\n", "", 24, ["'lawful_basis' is missing", "every purpose needs"]),
    ("lawful_basis: contract", "lawful_basis: contracts", 26, ["'contracts' is not allowed"]),
    (
        "recipients: [creditstyle]",
        "recipients: [creditstyl]",
        28,
        ["recipient 'creditstyl' is not declared", "did you mean creditstyle"],
    ),
    ("retention: [addresses]", "retention: [adresses]", 29, ["retention rule 'adresses'"]),
    (
        "datasets: [crm.customer]",
        "datasets: [crm.customers]",
        30,
        ["dataset 'crm.customers' is not declared", "did you mean crm.customer"],
    ),
    (
        "dataset: crm.address,",
        "dataset: crm.adress,",
        34,
        ["names dataset crm.adress, which is not declared", "did you mean crm.address"],
    ),
    ("from: created_at", "from: created", 34, ["column 'created', which is not a field"]),
    ("keep: 12 months", "keep: 12 monthz", 34, ["'12 monthz' is not a duration"]),
    ("then: delete}", "then: archive}", 34, ["archives but does not say where"]),
    ("then: delete}", "then: anonymise}", 34, ["does not say which fields"]),
    ("connection: env:CRM_URL", "connection: mongodb://x", 8, ["neither env:VARIABLE nor a URL"]),
    ("connection: env:CRM_URL", "connection: env:CRM-URL", 8, ["not a usable variable name"]),
    ("access: email-code,", "access: email-pin,", 5, ["'email-pin' is not a verification check"]),
    (
        "categories: [user.name]}\nretention",
        "categories: [user.name], country: UK}\nretention",
        32,
        ["'UK' is not a country code"],
    ),
    (
        "streams: [residential, business]",
        "streams: [residential, residential]",
        37,
        ["'residential' is listed twice"],
    ),
    (
        "identity: customer_id}",
        "identity: customer_id, file_root: recordings}",
        12,
        ["crm.customer.id is a key", "cannot also name a file"],
    ),
    (
        "{categories: [user.name]}",
        "{categories: [user.name], file_root: 'env:AUDIO_DIR'}",
        14,
        ["file root 'env:AUDIO_DIR' of crm.customer.name is not a plain folder path"],
    ),
    (
        "{categories: [user.name]}",
        "{categories: [user.name], file_root: ../audio}",
        14,
        ["file root '../audio' of crm.customer.name is not a folder of its own"],
    ),
    (
        "{categories: [user.name]}",
        "{categories: [user.name], file_root: .}",
        14,
        ["must not hold the declaration or the databases"],
    ),
    (
        "{categories: [user.name]}",
        "{file_root: recordings}",
        14,
        ["crm.customer.name names files (file_root)", "add categories"],
    ),
    ("  billing:\n", "  Billing Team:\n", 24, ["'Billing Team' is not a usable name"]),
    (
        "recipients:\n",
        "recipients:\n  creditstyle: {name: X, service: Y}\n",
        33,
        ["'creditstyle' is declared twice (first at line 32)"],
    ),
]


@pytest.mark.parametrize(("old", "new", "line", "words"), CASES, ids=[c[3][0] for c in CASES])
def test_error_is_found_placed_and_explained(
    old: str, new: str, line: int, words: list[str]
) -> None:
    assert old in BASE, old
    with pytest.raises(DeclarationInvalid) as caught:
        load_text(BASE.replace(old, new, 1), "pledge.yaml")
    matching = [p for p in caught.value.problems if all(w in p.message for w in words)]
    assert matching, "\n".join(str(p) for p in caught.value.problems)
    place = matching[0].place
    assert place is not None and place.file == "pledge.yaml" and place.line == line
    assert place.column >= 1


def test_every_error_is_reported_at_once() -> None:
    broken = (
        BASE.replace("  adress", "  address")
        .replace("  address: 1 Quay", "  adress: 1 Quay")
        .replace("[user.contact.email]", "[user.contact.emial]")
        .replace("recipients: [creditstyle]", "recipients: [creditstyl]")
        .replace("from: created_at", "from: created")
    )
    with pytest.raises(DeclarationInvalid) as caught:
        load_text(broken, "pledge.yaml")
    lines = sorted(p.place.line for p in caught.value.problems if p.place)
    assert lines == [1, 3, 13, 28, 34]


def test_not_yaml_is_unreadable_with_its_place() -> None:
    with pytest.raises(DeclarationUnreadable) as caught:
        load_text("controller: [unclosed\n", "pledge.yaml")
    assert caught.value.problem.place is not None
    assert "not valid YAML" in caught.value.problem.message


def test_a_list_at_the_top_is_unreadable() -> None:
    with pytest.raises(DeclarationUnreadable, match="must be a mapping"):
        load_text("- a\n- b\n")


def test_dataset_nobody_can_be_found_in_is_a_warning() -> None:
    text = (
        BASE.replace("          created_at: {}\n", "").replace("marketing:", "marketing:")
        + "notice: {}\n"
    )
    lonely = text.replace(
        "      address:\n",
        "      notes:\n        fields:\n          body: {categories: [user.content.private]}\n"
        "      address:\n",
    ).replace("from: created_at", "from: customer_id")
    loaded = load_text(lonely, "pledge.yaml")
    assert any("cannot tell whose rows" in w.message for w in loaded.warnings)


def test_archiving_rows_that_name_files_needs_the_archive_to_name_them_too() -> None:
    text = BASE.replace(
        "line1: {categories: [user.contact.address.street], erase: mask}",
        "line1: {categories: [user.contact.address.street], erase: mask, file_root: scans}",
    ).replace(
        "then: delete}",
        "then: archive, archive: {to: 'parquet:archive', keep: 90 days}}",
    )
    with pytest.raises(DeclarationInvalid) as caught:
        load_text(text, "pledge.yaml")
    (problem,) = caught.value.problems
    assert "names files under scans, to a Parquet archive" in problem.message
    assert problem.place is not None and problem.place.line == 34
