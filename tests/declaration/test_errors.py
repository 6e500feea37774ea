"""Each kind of declaration error: found, placed (file, line, column) and said plainly."""

from __future__ import annotations

import pytest

from pledge.declaration import DeclarationInvalid, DeclarationUnreadable, load_text
from pledge.declaration.reach import resolve

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
    lonely = BASE.replace(
        "      address:\n",
        "      notes:\n        fields:\n          body: {categories: [user.content.private]}\n"
        "      address:\n",
    )
    loaded = load_text(lonely, "pledge.yaml")
    (warning,) = loaded.warnings
    assert warning.severity == "warning"
    assert warning.message.startswith(
        "crm.notes holds personal data, but no identity field says whose rows they are and no "
        "ownership reference (belongs-to, or owns from another dataset) leads to them"
    )
    assert "say about: context if the rows belong to no one" in warning.message
    assert warning.place is not None
    assert (warning.place.file, warning.place.line, warning.place.column) == ("pledge.yaml", 15, 7)


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


# -- whose rows are these: reach, mentions, what a dataset is about ------------------------

REACH = """\
controller: {name: Northwold Telecom Ltd, address: "1 Quay Street, Hull HU1 1AA"}
systems:
  crm:
    connection: env:CRM_URL
    datasets:
      customer:
        fields:
          id: {primary_key: true, identity: customer_id}
          email: {categories: [user.contact.email], identity: email}
          store_id: {references: store.id}
      store:
        about: context
        show_in_access: true
        fields:
          id: {primary_key: true}
          name: {}
      employee:
        fields:
          id: {primary_key: true, identity: employee_id}
          work_email: {categories: [user.contact.email], identity: email}
      call:
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id, reach: belongs-to}
          agent_id: {references: employee.id, reach: context}
          called_number: {mention: phone, erase: nullify}
          notes: {categories: [user.content]}
"""

CALL_NOTES = "          notes: {categories: [user.content]}\n"
EMPLOYEE = (
    "      employee:\n"
    "        fields:\n"
    "          id: {primary_key: true, identity: employee_id}\n"
    "          work_email: {categories: [user.contact.email], identity: email}\n"
)


def test_reach_base_is_valid_and_says_whose_rows_are_whose() -> None:
    loaded = load_text(REACH, "pledge.yaml")
    assert loaded.warnings == []
    reach = resolve(loaded.declaration.systems)
    assert reach.about == {
        "crm.customer": "people",
        "crm.store": "context",
        "crm.employee": "people",
        "crm.call": "owned",
    }
    assert {k.label: k.reach for k in reach.links} == {
        "crm.customer.store_id": "context",
        "crm.call.customer_id": "belongs-to",
        "crm.call.agent_id": "context",
    }
    assert [(m.dataset, m.field, m.kind) for m in reach.mentions] == [
        ("crm.call", "called_number", "phone")
    ]


def test_two_possible_owners_are_refused_with_their_place_and_a_suggestion() -> None:
    # Neither reference says whose call it is: the customer's or the agent's. Pledge will not
    # guess; the problem points at the second candidate and says what to write.
    text = REACH.replace(
        "customer_id: {references: customer.id, reach: belongs-to}",
        "customer_id: {references: customer.id}",
    ).replace(
        "agent_id: {references: employee.id, reach: context}",
        "agent_id: {references: employee.id}",
    )
    with pytest.raises(DeclarationInvalid) as caught:
        load_text(text, "pledge.yaml")
    (problem,) = caught.value.problems
    assert str(problem) == (
        "pledge.yaml:25:11: error: systems.crm.datasets.call.fields.agent_id: crm.call has 2 "
        "references that could say whose rows these are: customer_id (to crm.customer), "
        "agent_id (to crm.employee); Pledge will not guess. Write reach: belongs-to on "
        "the one that owns them (for example customer_id) and reach: context on the others"
    )
    # Declaring one owner is enough: the other reference becomes context.
    fixed = text.replace(
        "customer_id: {references: customer.id}",
        "customer_id: {references: customer.id, reach: belongs-to}",
    )
    reach = resolve(load_text(fixed, "pledge.yaml").declaration.systems)
    agent = next(k for k in reach.links if k.label == "crm.call.agent_id")
    assert (agent.reach, agent.declared) == ("context", False)


# (id, what to replace, replacement, line, the key the column points at, words in the message)
REACH_ERRORS = [
    (
        "two declared owners",
        "agent_id: {references: employee.id, reach: context}",
        "agent_id: {references: employee.id, reach: belongs-to}",
        25,
        "reach",
        ["crm.call declares two owners (customer_id, agent_id)", "a row belongs to one person"],
    ),
    (
        "reach without a reference",
        "name: {}",
        "name: {reach: context}",
        16,
        "reach",
        [
            "crm.store.name says how to reach rows through a reference (reach: context) but "
            "refers to nothing",
            "add references: dataset.field or remove reach",
        ],
    ),
    (
        "belongs-to into a context dataset",
        CALL_NOTES,
        CALL_NOTES + "          shop_id: {references: store.id, reach: belongs-to}\n",
        28,
        "reach",
        [
            "crm.call.shop_id is declared reach: belongs-to, but crm.store is context (rows "
            "shared by everyone), which no person owns",
            "write reach: context",
        ],
    ),
    (
        "owns a context row",
        "store_id: {references: store.id}",
        "store_id: {references: store.id, reach: owns}",
        10,
        "reach",
        ["crm.customer.store_id is declared reach: owns, but crm.store is context"],
    ),
    (
        "a primary key as a mention",
        "          id: {primary_key: true}\n          customer_id",
        "          id: {primary_key: true, mention: phone}\n          customer_id",
        23,
        "mention",
        ["crm.call.id is a key, so it cannot be a mention", "Use reach: context"],
    ),
    (
        "a reference as a mention",
        "agent_id: {references: employee.id, reach: context}",
        "agent_id: {references: employee.id, mention: employee_id, erase: keep}",
        25,
        "mention",
        ["crm.call.agent_id is a key, so it cannot be a mention"],
    ),
    (
        "mention and identity",
        "called_number: {mention: phone, erase: nullify}",
        "called_number: {mention: phone, identity: phone, erase: nullify}",
        26,
        "mention",
        [
            "crm.call.called_number says both identity (the row's own person) and mention "
            "(another party); it can only be one"
        ],
    ),
    (
        "mention without erase",
        "called_number: {mention: phone, erase: nullify}",
        "called_number: {mention: phone}",
        26,
        "mention",
        [
            "crm.call.called_number mentions another party's phone",
            "erase: nullify, mask, hash or keep",
        ],
    ),
    (
        "ownership cycle",
        CALL_NOTES,
        CALL_NOTES + "          caller_id: {references: customer.id, reach: owns}\n",
        24,
        "reach",
        [
            "ownership goes round in a circle: crm.call.caller_id (owns) → "
            "crm.call.customer_id (belongs-to); a row cannot own itself",
            "Make one of these references reach: context",
        ],
    ),
    (
        "show_in_access on people",
        "      employee:\n        fields:",
        "      employee:\n        show_in_access: true\n        fields:",
        18,
        "show_in_access",
        ["crm.employee is people, not context; show_in_access is for context rows"],
    ),
    (
        "identity on a context dataset",
        "          name: {}\n",
        "          name: {}\n          email: {identity: email}\n",
        17,
        "identity",
        [
            "crm.store is context (rows shared by everyone), so email cannot identify whose "
            "rows they are",
            "make it a mention, or say about: owned",
        ],
    ),
    (
        "people without identity",
        EMPLOYEE,
        "      employee:\n"
        "        about: people\n"
        "        fields:\n"
        "          id: {primary_key: true}\n"
        "          work_email: {categories: [user.contact.email]}\n",
        18,
        "about",
        [
            "crm.employee is a dataset of people but no field is an identity, so no request "
            "can find anyone in it",
            "mark the field that identifies each person",
        ],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "words"),
    [case[1:] for case in REACH_ERRORS],
    ids=[case[0] for case in REACH_ERRORS],
)
def test_reach_error_is_found_placed_and_explained(
    old: str, new: str, line: int, key: str, words: list[str]
) -> None:
    assert old in REACH, old
    text = REACH.replace(old, new, 1)
    with pytest.raises(DeclarationInvalid) as caught:
        load_text(text, "pledge.yaml")
    matching = [p for p in caught.value.problems if all(w in p.message for w in words)]
    assert matching, "\n".join(str(p) for p in caught.value.problems)
    place = matching[0].place
    assert place is not None and (place.file, place.line) == ("pledge.yaml", line)
    assert place.column == text.splitlines()[line - 1].index(f"{key}:") + 1


REACH_WARNINGS = [
    (
        "people to owned, undeclared",
        "          store_id: {references: store.id}\n",
        "          store_id: {references: store.id}\n          first_call: {references: call.id}\n",
        11,
        "first_call",
        [
            "crm.customer.first_call refers to crm.call from a dataset of people and says "
            "nothing about reach, so it is context",
            "write reach: owns; if shared, reach: context",
        ],
    ),
    (
        "ownership into people",
        EMPLOYEE,
        EMPLOYEE + "          customer_record: {references: customer.id, reach: owns}\n",
        21,
        "reach",
        [
            "crm.employee.customer_record (owns) leads from rows of crm.employee into "
            "crm.customer, a dataset of people",
            "reach: context is usually meant",
        ],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "words"),
    [case[1:] for case in REACH_WARNINGS],
    ids=[case[0] for case in REACH_WARNINGS],
)
def test_reach_warning_is_placed_and_the_declaration_still_loads(
    old: str, new: str, line: int, key: str, words: list[str]
) -> None:
    assert old in REACH, old
    text = REACH.replace(old, new, 1)
    loaded = load_text(text, "pledge.yaml")
    (warning,) = loaded.warnings
    assert warning.severity == "warning"
    assert all(w in warning.message for w in words), warning.message
    place = warning.place
    assert place is not None and (place.file, place.line) == ("pledge.yaml", line)
    assert place.column == text.splitlines()[line - 1].index(f"{key}:") + 1
