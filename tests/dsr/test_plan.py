"""The planner on small declarations: cross-system chains, both directions of a reference,
loops, self-references, unreachable datasets and the erasure order."""

from __future__ import annotations

from pledge.subjects.identity import Identity
from pledge.subjects.plan import Loop, Match, Plan, Source, make_plan
from tests.dsr.estates import HEAD, TELECOM, load

EMAIL = Identity("email", "ann@example.uk")
CUSTOMER = Identity("customer_id", "C1")
PHONE = Identity("phone", "+441482123456")


def plan_for(text: str, *identities: Identity) -> Plan:
    return make_plan(load(text).declaration, list(identities))


def order(plan: Plan) -> list[str]:
    return [step.dotted for step in plan.steps]


def test_customer_id_leads_across_systems_to_accounts_invoices_and_call_records() -> None:
    plan = plan_for(TELECOM, CUSTOMER)
    assert order(plan) == [
        "crm.customer",
        "crm.address",
        "billing.account",
        "billing.invoice",
        "network.cdr",
    ]
    customer, address, account, invoice, cdr = plan.steps
    assert customer.matches == (Match("id", (Source("identity", identity="customer_id"),)),)
    assert address.matches == (Match("customer_id", (Source("child", step=1, column="id"),)),)
    assert account.matches == (Match("customer_id", (Source("child", step=1, column="id"),)),)
    assert invoice.matches == (
        Match("account_number", (Source("child", step=3, column="number"),)),
    )
    assert cdr.matches == (Match("account_number", (Source("child", step=3, column="number"),)),)
    assert customer.fields == ("id", "email", "name")
    assert customer.primary_key == "id"
    assert cdr.primary_key is None
    assert plan.loops == ()  # every way back is the way the rows were found
    assert plan.unreachable == ()
    assert customer.columns_needed(plan) == {"id"}


def test_a_child_row_leads_to_the_parent_rows_it_refers_to() -> None:
    # Known only by a phone number on a call record: the record's account, then its customer.
    text = TELECOM.replace(", identity: email}", "}")
    plan = plan_for(text, PHONE)
    assert order(plan)[:3] == ["network.cdr", "billing.account", "crm.customer"]
    account, customer = plan.steps[1], plan.steps[2]
    assert account.matches == (
        Match("number", (Source("parent", step=1, column="account_number"),)),
    )
    assert customer.matches == (Match("id", (Source("parent", step=2, column="customer_id"),)),)
    # ... and from the customer on to the other rows that refer to it.
    assert plan.find("crm.address") is not None
    assert plan.find("billing.invoice") is not None


def test_email_matches_ignore_case_and_phones_name_their_stored_forms() -> None:
    plan = plan_for(TELECOM, EMAIL, PHONE)
    customer = plan.find("crm.customer")
    cdr = plan.find("network.cdr")
    assert customer is not None and cdr is not None
    # (and by id, from accounts that call records by that phone lead to: a loop)
    assert [(m.field, m.fold_case) for m in customer.matches] == [("email", True), ("id", False)]
    assert cdr.matches[0] == Match("calling_number", (Source("identity", identity="phone"),))


def test_a_link_back_that_can_find_new_rows_is_a_loop() -> None:
    # Accounts are found from the customer and from call records (by phone); an account found
    # through a call record may belong to a customer the email did not find.
    plan = plan_for(TELECOM, EMAIL, PHONE)
    # Call records wait for the accounts they refer to, so account numbers reach them at once.
    assert order(plan) == [
        "crm.customer",
        "crm.address",
        "billing.account",
        "network.cdr",
        "billing.invoice",
    ]
    assert Loop(3, "customer_id", 1, "id", "parent") in plan.loops
    assert Loop(4, "account_number", 3, "number", "parent") in plan.loops
    customer = plan.steps[0]
    assert Source("parent", step=3, column="customer_id", loop=True) in customer.matches[1].sources


def test_references_that_form_a_cycle_end_and_are_reported() -> None:
    text = (
        HEAD
        + """\
  shop:
    connection: sqlite:///shop.sqlite
    datasets:
      person:
        about: people
        fields:
          id: {primary_key: true}
          email: {categories: [user.contact.email], identity: email}
          favourite_order: {references: order.id, reach: context}
      order:
        fields:
          id: {primary_key: true}
          person_id: {references: person.id}
          note: {categories: [user.content]}
"""
    )
    plan = plan_for(text, EMAIL)
    assert order(plan) == ["shop.person", "shop.order"]
    assert plan.steps[1].matches == (
        Match("id", (Source("parent", step=1, column="favourite_order"),)),
        Match("person_id", (Source("child", step=1, column="id"),)),
    )
    # An order found as someone's favourite may be another person's: follow it back.
    assert plan.loops == (
        Loop(2, "id", 1, "favourite_order", "child"),
        Loop(2, "person_id", 1, "id", "parent"),
    )
    assert plan.erasure_loops == ("shop.person",)
    assert sorted(plan.erasure_order) == [1, 2]


def test_self_references_are_not_followed() -> None:
    text = TELECOM.replace(
        "          name: {categories: [user.name]}\n",
        "          name: {categories: [user.name]}\n"
        "          referred_by: {references: customer.id}\n",
    )
    plan = plan_for(text, EMAIL)
    assert plan.not_followed == ("crm.customer.referred_by",)
    assert [m.field for m in plan.steps[0].matches] == ["email"]


def test_personal_data_nothing_reaches_is_reported_unreachable() -> None:
    text = TELECOM + (
        "  legacy:\n"
        "    connection: sqlite:///legacy.sqlite\n"
        "    datasets:\n"
        "      mailing:\n"
        "        fields:\n"
        "          full_name: {categories: [user.name]}\n"
        "      counters:\n"
        "        fields:\n"
        "          hits: {}\n"
    )
    plan = plan_for(text, EMAIL)
    assert plan.unreachable == ("legacy.mailing",)  # counters hold no personal data
    assert plan.find("legacy.mailing") is None


def test_datasets_of_an_identity_not_given_are_reached_only_through_links() -> None:
    plan = plan_for(TELECOM, Identity("username", "ann"))
    assert plan.steps == ()
    assert plan.unused == ("username",)
    assert set(plan.unreachable) == {
        "crm.customer",
        "billing.account",
        "crm.address",
        "billing.invoice",
        "network.cdr",
    }


def test_erasure_runs_children_before_parents() -> None:
    plan = plan_for(TELECOM, EMAIL)
    erase = [plan.step(n).dotted for n in plan.erasure_order]
    for child, parent in [
        ("crm.address", "crm.customer"),
        ("billing.account", "crm.customer"),
        ("billing.invoice", "billing.account"),
        ("network.cdr", "billing.account"),
    ]:
        assert erase.index(child) < erase.index(parent)
    assert plan.erasure_loops == ()


CONTACT_CENTRE = TELECOM + (
    "  hr:\n"
    "    connection: sqlite:///hr.sqlite\n"
    "    datasets:\n"
    "      employee:\n"
    "        fields:\n"
    "          id: {primary_key: true, identity: employee_id}\n"
    "          personal_email: {categories: [user.contact.email], identity: email}\n"
    "  contact_centre:\n"
    "    connection: sqlite:///cc.sqlite\n"
    "    datasets:\n"
    "      recording:\n"
    "        fields:\n"
    "          id: {primary_key: true}\n"
    "          customer_id: {references: crm.customer.id, reach: belongs-to}\n"
    "          agent_id: {references: hr.employee.id, reach: context}\n"
    "          audio: {categories: [user.content]}\n"
    "      ticket:\n"
    "        fields:\n"
    "          id: {primary_key: true}\n"
    "          customer_id: {references: crm.customer.id, reach: belongs-to}\n"
    "          account_number: {references: billing.account.number, reach: context}\n"
    "          notes: {categories: [user.content]}\n"
)


def test_rows_naming_two_people_never_lead_to_the_other_person() -> None:
    # A call recording names the customer and the agent who took the call: found from the
    # customer, it must not bring the agent's HR record into the customer's answer.
    plan = plan_for(CONTACT_CENTRE, CUSTOMER)
    recording = plan.find("contact_centre.recording")
    employee = plan.find("hr.employee")
    assert recording is not None and employee is not None
    # The employee record is read only in case this customer is also on the staff (same email).
    assert [(m.field, [s.via for s in m.sources]) for m in employee.matches] == [
        ("personal_email", ["same-identity"])
    ]
    assert plan.other_people == (
        "contact_centre.recording.customer_id",
        "contact_centre.recording.agent_id",
    )


def test_rows_naming_one_person_twice_still_lead_to_them() -> None:
    # A ticket names a customer and one of their accounts: one person (the account refers to
    # the customer), so a ticket found by its account leads to the customer.
    plan = plan_for(CONTACT_CENTRE, Identity("account_number", "NW1"))
    ticket = plan.find("contact_centre.ticket")
    customer = plan.find("crm.customer")
    assert ticket is not None and customer is not None
    assert "contact_centre.ticket.customer_id" not in plan.other_people
    sources = [s for m in customer.matches for s in m.sources]
    assert Source("parent", step=ticket.number, column="customer_id", loop=True) in sources
