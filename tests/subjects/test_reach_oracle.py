"""The reach oracle on small estates whose answers follow from README "Whose rows are these".

Each case is worked out by hand from the rules before the oracle is asked, so the property
tests compare the runner against something that has itself been checked.
"""

from __future__ import annotations

from typing import Any

from pledge.declaration import load_text
from pledge.declaration.model import Declaration
from pledge.subjects.identity import parse
from tests.subjects.reach_oracle import Expected, expect

HEAD = """\
pledge: 1
controller: {name: Reach Test Ltd, address: "1 Quay Street, Hull"}
systems:
  crm:
    connection: sqlite:///crm.sqlite
    datasets:
"""

CUSTOMER = """\
      customer:
        fields:
          id: {primary_key: true, identity: customer_id}
          email: {identity: email, categories: [user.contact.email]}
          phone: {identity: phone, categories: [user.contact.phone_number]}
          full_name: {categories: [user.name]}
"""


def declaration(*datasets: str) -> Declaration:
    return load_text(HEAD + "".join(datasets)).declaration


def people(*rows: tuple[int, str | None, str | None]) -> list[dict[str, Any]]:
    return [{"id": i, "email": e, "phone": p, "full_name": f"Person {i}"} for i, e, p in rows]


def ask(decl: Declaration, tables: dict[str, Any], kind: str, value: str) -> Expected:
    return expect(decl, {f"crm.{t}": rows for t, rows in tables.items()}, parse([(kind, value)]))


def test_a_shared_address_is_shown_and_kept_and_a_single_one_is_erased() -> None:
    decl = declaration(
        CUSTOMER.replace(
            "full_name: {categories: [user.name]}\n",
            "full_name: {categories: [user.name]}\n"
            "          address_id: {references: address.id, reach: owns}\n",
        ),
        """\
      address:
        fields:
          id: {primary_key: true}
          line1: {categories: [user.contact.address.street]}
      address_note:
        fields:
          id: {primary_key: true}
          address_id: {references: address.id}
          body: {categories: [user.content]}
""",
    )
    customers = people((1, "ann@example.uk", None), (2, "bob@example.uk", None))
    customers.append({"id": 3, "email": "cat@example.uk", "phone": None, "full_name": "Cat"})
    for row, address in zip(customers, (10, 10, 20), strict=True):
        row["address_id"] = address
    tables = {
        "customer": customers,
        "address": [{"id": 10, "line1": "1 Quay St"}, {"id": 20, "line1": "2 Dock Rd"}],
        "address_note": [{"id": 100, "address_id": 10, "body": "gate"}],
    }
    ann = ask(decl, tables, "email", "Ann@Example.UK")
    assert ann.stop is None
    assert ann.rows == {"crm.customer": {1}, "crm.address": {10}, "crm.address_note": {100}}
    assert ann.shared == {"crm.address": {10}, "crm.address_note": {100}}
    assert set(ann.after["crm.customer"]) == {2, 3}
    assert set(ann.after["crm.address"]) == {10, 20} and 100 in ann.after["crm.address_note"]
    cat = ask(decl, tables, "customer_id", "3")
    assert cat.shared == {} and cat.rows == {"crm.customer": {3}, "crm.address": {20}}
    assert set(cat.after["crm.address"]) == {10}


def test_a_household_landline_stops_whoever_asks_and_spares_the_neighbour() -> None:
    decl = declaration(CUSTOMER)
    tables = {
        "customer": people(
            (1, "ann@example.uk", "01482 123401"),
            (2, "bob@example.uk", "+441482123401"),
            (3, "cat@example.uk", "+44 1482 123402"),
        )
    }
    # Ann gives her email; her row's landline is a linking identity that also finds Bob.
    ann = ask(decl, tables, "email", "ann@example.uk")
    assert ann.stop is not None and ann.stop.startswith("ambiguous")
    assert ann.after["crm.customer"] == {r["id"]: r for r in tables["customer"]}
    cat = ask(decl, tables, "phone", "01482123402")
    assert cat.stop is None and cat.rows == {"crm.customer": {3}}


INVOICE = """\
      invoice:
        erase: update
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id}
          sent_to: {identity: email, categories: [user.contact.email], erase: nullify}
          amount: {description: Amount due}
"""


def test_a_bill_sent_to_a_relatives_email_stops_both_of_them() -> None:
    decl = declaration(CUSTOMER, INVOICE)
    tables = {
        "customer": people((1, "ann@example.uk", None), (2, "bob@example.uk", None)),
        "invoice": [
            {"id": 5, "customer_id": 1, "sent_to": "BOB@example.uk", "amount": 3},
            {"id": 6, "customer_id": 2, "sent_to": "bob@example.uk", "amount": 4},
        ],
    }
    ann = ask(decl, tables, "email", "ann@example.uk")  # her invoice names Bob's email
    assert ann.stop is not None and "crm.customer" in ann.stop
    bob = ask(decl, tables, "email", "bob@example.uk")  # finds Ann's invoice by value
    assert bob.stop is not None and "belongs to someone else" in bob.stop
    tables["invoice"][0]["sent_to"] = "Ann@Example.uk"
    ann = ask(decl, tables, "customer_id", "1")
    assert ann.stop is None and ann.rows == {"crm.customer": {1}, "crm.invoice": {5}}
    assert ann.after["crm.invoice"][5] == {"id": 5, "customer_id": 1, "sent_to": None, "amount": 3}


def test_a_mention_is_cleared_in_other_peoples_rows_and_never_finds_them() -> None:
    decl = declaration(
        CUSTOMER,
        """\
      call_log:
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id}
          called_number: {mention: phone, erase: mask, categories: [telecom.call_detail_record]}
""",
    )
    tables = {
        "customer": people((1, "ann@example.uk", None), (2, "bob@example.uk", "+447700900123")),
        "call_log": [
            {"id": 7, "customer_id": 1, "called_number": "07700 900123"},
            {"id": 8, "customer_id": 1, "called_number": "+441482123401"},
        ],
    }
    bob = ask(decl, tables, "email", "bob@example.uk")
    assert bob.stop is None and bob.rows == {"crm.customer": {2}}
    assert bob.after["crm.call_log"][7]["called_number"] == "***** ******"
    assert bob.after["crm.call_log"][8] == tables["call_log"][1]
    assert set(bob.after["crm.customer"]) == {1}


EMPLOYEE = """\
      employee:
        fields:
          id: {primary_key: true, identity: employee_id}
          email: {identity: email, categories: [user.contact.email]}
          store_id: {references: store.id}
      store:
        about: context
        show_in_access: true
        fields:
          id: {primary_key: true}
          name: {description: Store name}
          manager_id: {references: employee.id}
"""


def test_the_agent_on_a_call_and_the_store_cycle_stay_context() -> None:
    decl = declaration(
        CUSTOMER.replace(
            "full_name: {categories: [user.name]}\n",
            "full_name: {categories: [user.name]}\n          store_id: {references: store.id}\n",
        ),
        EMPLOYEE,
        """\
      call_log:
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id, reach: belongs-to}
          agent_id: {references: employee.id, reach: context}
          notes: {categories: [user.content]}
""",
    )
    customers = people((1, "ann@example.uk", None), (2, "bob@example.uk", None))
    customers[0]["store_id"], customers[1]["store_id"] = 30, None
    tables = {
        "customer": customers,
        "employee": [{"id": 40, "email": "eve@northwold.example", "store_id": 30}],
        "store": [{"id": 30, "name": "Hull", "manager_id": 40}, {"id": 31, "name": "York"}],
        "call_log": [{"id": 9, "customer_id": 1, "agent_id": 40, "notes": "bill"}],
    }
    tables["store"][1]["manager_id"] = None
    ann = ask(decl, tables, "email", "ann@example.uk")
    assert ann.stop is None
    assert ann.rows == {"crm.customer": {1}, "crm.call_log": {9}}
    assert ann.context == {"crm.store": {30}}
    assert set(ann.after["crm.employee"]) == {40} and set(ann.after["crm.store"]) == {30, 31}
    eve = ask(decl, tables, "employee_id", "40")
    assert eve.stop is None and eve.rows == {"crm.employee": {40}}
    assert eve.context == {"crm.store": {30}}
    assert 9 in eve.after["crm.call_log"]


def test_owning_someone_elses_record_is_blast_radius_unless_it_carries_your_values() -> None:
    decl = declaration(
        CUSTOMER,
        EMPLOYEE,
        """\
      ticket:
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id}
          handler_id: {references: employee.id, reach: owns}
""",
    )
    tables = {
        "customer": people((1, "ann@example.uk", None)),
        "employee": [{"id": 40, "email": "eve@northwold.example", "store_id": None}],
        "store": [],
        "ticket": [{"id": 11, "customer_id": 1, "handler_id": 40}],
    }
    ann = ask(decl, tables, "customer_id", "1")
    assert ann.stop is not None and ann.stop.startswith("blast radius")
    tables["employee"][0]["email"] = "ANN@example.uk"  # Ann works here too: her own record
    ann = ask(decl, tables, "customer_id", "1")
    assert ann.stop is None
    assert ann.rows == {"crm.customer": {1}, "crm.ticket": {11}, "crm.employee": {40}}


def test_emails_ignore_case_but_not_accents_and_a_referrer_is_not_followed() -> None:
    decl = declaration(
        CUSTOMER.replace(
            "full_name: {categories: [user.name]}\n",
            "full_name: {categories: [user.name]}\n"
            "          referrer_id: {references: customer.id}\n",
        )
    )
    customers = people((1, "JOSÉ@Example.UK", None), (2, "jose@example.uk", None))
    customers[0]["referrer_id"], customers[1]["referrer_id"] = None, 1
    tables = {"customer": customers}
    accented = ask(decl, tables, "email", "josé@example.uk")
    assert accented.stop is None and accented.rows == {"crm.customer": {1}}
    plain = ask(decl, tables, "email", "Jose@example.uk")
    assert plain.rows == {"crm.customer": {2}}
    assert set(plain.after["crm.customer"]) == {1}


def test_a_chain_three_deep_is_erased_by_each_datasets_own_rule() -> None:
    nullified = (
        CUSTOMER.replace("      customer:\n", "      customer:\n        erase: update\n")
        .replace("user.contact.email]}", "user.contact.email], erase: nullify}")
        .replace("user.contact.phone_number]}", "user.contact.phone_number], erase: nullify}")
        .replace("[user.name]}", "[user.name], erase: nullify}")
    )
    decl = declaration(
        nullified,
        """\
      account:
        about: owned
        erase: update
        fields:
          number: {primary_key: true, identity: account_number}
          customer_id: {references: customer.id, reach: belongs-to}
          holder: {categories: [user.name], erase: nullify}
          plan: {description: Tariff}
      invoice:
        fields:
          id: {primary_key: true}
          account: {references: account.number}
      invoice_line:
        fields:
          id: {primary_key: true}
          invoice_id: {references: invoice.id}
          item: {categories: [user.content]}
""",
    )
    tables = {
        "customer": people((1, "ann@example.uk", "01482 123401"), (2, "bob@example.uk", None)),
        "account": [
            {"number": "A1", "customer_id": 1, "holder": "Ann", "plan": "Fibre"},
            {"number": "B1", "customer_id": 2, "holder": "Bob", "plan": "Fibre"},
        ],
        "invoice": [{"id": 5, "account": "A1"}, {"id": 6, "account": "B1"}],
        "invoice_line": [
            {"id": 50, "invoice_id": 5, "item": "router"},
            {"id": 60, "invoice_id": 6, "item": "phone"},
        ],
    }
    # The account number alone finds the account, but nothing says its owner is the one
    # asking: reach never climbs from an owned row to its owner.
    alone = ask(decl, tables, "account_number", "A1")
    assert alone.stop is not None and "belongs to someone else" in alone.stop
    ann = ask(decl, tables, "customer_id", "1")
    assert ann.stop is None
    assert ann.rows == {
        "crm.customer": {1},
        "crm.account": {"A1"},
        "crm.invoice": {5},
        "crm.invoice_line": {50},
    }
    after = ann.after
    assert after["crm.customer"][1] == {"id": 1, "email": None, "phone": None, "full_name": None}
    assert after["crm.account"]["A1"] == {
        "number": "A1",
        "customer_id": 1,
        "holder": None,
        "plan": "Fibre",
    }
    assert set(after["crm.invoice"]) == {6} and set(after["crm.invoice_line"]) == {60}
    assert after["crm.account"]["B1"] == tables["account"][1]


def test_a_row_that_a_staying_row_refers_to_is_kept_as_it_is() -> None:
    decl = declaration(
        CUSTOMER.replace(
            "full_name: {categories: [user.name]}\n",
            "full_name: {categories: [user.name]}\n"
            "          referrer_id: {references: customer.id}\n",
        ),
        """\
      rental:
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id}
          previous_id: {references: rental.id}
          note: {categories: [user.content]}
""",
    )
    customers = people((1, "ann@example.uk", None), (2, "bob@example.uk", None))
    customers[0]["referrer_id"], customers[1]["referrer_id"] = None, None
    rentals: list[dict[str, Any]] = [
        {"id": 10, "customer_id": 1, "previous_id": None, "note": "a"},
        {"id": 11, "customer_id": 1, "previous_id": None, "note": "b"},
        {"id": 20, "customer_id": 2, "previous_id": 10, "note": "c"},  # Bob's names Ann's
    ]
    tables = {"customer": customers, "rental": rentals}
    ann = ask(decl, tables, "email", "ann@example.uk")
    assert ann.rows == {"crm.customer": {1}, "crm.rental": {10, 11}}
    # Rental 10 stays for Bob's sake, and so Ann's record stays for rental 10's.
    assert set(ann.after["crm.rental"]) == {10, 20}
    assert ann.after["crm.customer"][1] == customers[0]
    rentals[2]["previous_id"] = None
    customers[1]["referrer_id"] = 1  # Bob was referred by Ann
    ann = ask(decl, tables, "email", "ann@example.uk")
    assert set(ann.after["crm.rental"]) == {20} and set(ann.after["crm.customer"]) == {1, 2}
    rentals[2]["previous_id"] = 10
    customers[1]["referrer_id"] = None
    bob = ask(decl, tables, "email", "bob@example.uk")
    assert set(bob.after["crm.rental"]) == {10, 11} and set(bob.after["crm.customer"]) == {1}


def test_a_dependant_belongs_to_their_parent_and_a_stranger_cannot_take_them() -> None:
    decl = declaration(
        CUSTOMER,
        """\
      dependant:
        about: people
        fields:
          id: {primary_key: true, identity: applicant_id}
          email: {identity: email, categories: [user.contact.email]}
          parent_id: {references: customer.id, reach: belongs-to}
""",
    )
    tables: dict[str, Any] = {
        "customer": people((1, "ann@example.uk", None), (2, "bob@example.uk", None)),
        "dependant": [{"id": 7, "email": "kid@example.uk", "parent_id": 1}],
    }
    # Ann's request crosses belongs-to into a record of people that holds none of her
    # values: blast radius.
    ann = ask(decl, tables, "email", "ann@example.uk")
    assert ann.stop is not None and ann.stop.startswith("blast radius")
    # The dependant's own request finds their row, declared to belong to Ann: ambiguous.
    kid = ask(decl, tables, "applicant_id", "7")
    assert kid.stop is not None and "belongs to someone else" in kid.stop
    tables["dependant"][0]["email"] = "Ann@example.uk"  # the record carries Ann's email
    ann = ask(decl, tables, "email", "ann@example.uk")
    assert ann.stop is None and ann.rows == {"crm.customer": {1}, "crm.dependant": {7}}
    assert ann.after["crm.dependant"] == {} and set(ann.after["crm.customer"]) == {2}
