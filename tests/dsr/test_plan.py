"""The planner on small declarations: chains across systems by ownership, one way only;
references that are not ownership (context, self-references, cycles) never followed; mentions
never used to find anyone; unreachable datasets; the erasure order."""

from __future__ import annotations

import pytest

from pledge.declaration import DeclarationInvalid
from pledge.declaration.reach import Link
from pledge.subjects.explain import describe
from pledge.subjects.identity import Identity, parse
from pledge.subjects.plan import Context, Match, MentionField, Plan, Source, make_plan
from tests.dsr.estates import HEAD, TELECOM, load

EMAIL = Identity("email", "ann@example.uk")
CUSTOMER = Identity("customer_id", "C1")
(PHONE,) = parse([("phone", "01482 123456")])


def plan_for(text: str, *identities: Identity) -> Plan:
    return make_plan(load(text).declaration, list(identities))


def order(plan: Plan) -> list[str]:
    return [step.dotted for step in plan.steps]


def sources(plan: Plan, dotted: str) -> list[tuple[str, Source]]:
    """(field, source) of every match of the step reading ``dotted``."""
    step = plan.find(dotted)
    assert step is not None, dotted
    return [(m.field, s) for m in step.matches for s in m.sources]


def belongs_to(step: int, column: str) -> Source:
    return Source("belongs-to", step=step, column=column)


def test_customer_id_leads_across_systems_by_ownership() -> None:
    plan = plan_for(TELECOM, CUSTOMER)
    assert order(plan) == [
        "crm.customer",
        "crm.address",
        "billing.account",
        "billing.invoice",
        "network.cdr",
    ]
    customer, address, account, invoice, cdr = plan.steps
    assert [s.role for s in plan.steps] == ["people", "owned", "owned", "owned", "owned"]
    assert customer.matches == (
        Match("id", (Source("identity", identity="customer_id"),)),
        Match("email", (Source("identity", identity="email"),), fold_case=True),
    )
    assert address.matches == (Match("customer_id", (belongs_to(1, "id"),)),)
    # The account is found from its customer (belongs-to) and by its own number, when the
    # person's rows hold one; invoices and call records belong to the account.
    assert account.matches == (
        Match("number", (Source("identity", identity="account_number"),)),
        Match("customer_id", (belongs_to(1, "id"),)),
    )
    assert invoice.matches == (Match("account_number", (belongs_to(3, "number"),)),)
    assert cdr.matches == (
        Match("calling_number", (Source("identity", identity="phone"),)),
        Match("account_number", (belongs_to(3, "number"),)),
    )
    assert customer.owner is None
    assert cdr.owner == Link(
        "network.cdr", "account_number", "billing.account", "number", "belongs-to", False
    )
    assert customer.fields == ("id", "email", "name")
    assert customer.primary_key == "id"
    assert cdr.primary_key is None
    assert customer.columns_needed(plan) == {"id"}
    assert account.columns_needed(plan) == {"number"}
    assert plan.unreachable == ()
    assert plan.context == () and plan.mentions == () and plan.warnings == ()


def test_a_call_record_does_not_lead_up_to_its_customer() -> None:
    # Known only by a phone number on a call record: the call record is found; its account
    # and the account's customer are not, because belongs-to is followed one way only (from
    # the owner to what it owns). The old planner went up to the customer and back down to
    # every other row of theirs: a household phone brought in the bill payer's whole record.
    plan = plan_for(TELECOM, PHONE)
    assert order(plan) == ["network.cdr"]
    (cdr,) = plan.steps
    assert cdr.matches == (Match("calling_number", (Source("identity", identity="phone"),)),)
    assert cdr.owner is not None and cdr.owner.target == "billing.account"
    assert plan.find("billing.account") is None
    assert plan.find("crm.customer") is None
    assert plan.unreachable == ()  # an email or a customer id would find them
    assert set(plan.not_reached) == {
        "crm.customer",
        "crm.address",
        "billing.account",
        "billing.invoice",
    }


def test_an_account_number_leads_neither_up_to_the_customer_nor_to_tickets() -> None:
    # The ticket names the customer (belongs-to) and an account (context): an account number
    # finds the account and what belongs to it, never the customer above it, nor the ticket
    # through its context reference.
    plan = plan_for(CONTACT_CENTRE, Identity("account_number", "NW1"))
    assert set(order(plan)) == {"billing.account", "billing.invoice", "network.cdr"}
    assert plan.find("crm.customer") is None
    assert plan.find("contact_centre.ticket") is None
    account = plan.find("billing.account")
    assert account is not None
    assert [m.field for m in account.matches] == ["number"]


def test_email_matches_fold_case_and_phones_name_their_stored_forms() -> None:
    plan = plan_for(TELECOM, EMAIL, PHONE)
    customer = plan.find("crm.customer")
    cdr = plan.find("network.cdr")
    assert customer is not None and cdr is not None
    assert [(m.field, m.fold_case) for m in customer.matches] == [("id", False), ("email", True)]
    assert cdr.matches[0] == Match("calling_number", (Source("identity", identity="phone"),))
    assert not cdr.matches[0].fold_case
    assert PHONE.value == "+441482123456"
    assert set(PHONE.forms) >= {"+441482123456", "+44 1482 123456", "01482 123456", "01482123456"}
    text = "\n".join(describe(plan))
    assert "match email (any case) = the email given" in text
    assert (
        "match calling_number = the phone given "
        "(also as +44 1482 123456, 01482 123456, 01482123456)" in text
    )
    # Emails fold case whatever the field is called; other identities never do.
    staff = plan_for(CONTACT_CENTRE, EMAIL).find("hr.employee")
    assert staff is not None
    assert [(m.field, m.fold_case) for m in staff.matches] == [
        ("id", False),
        ("personal_email", True),
    ]


SHOP = (
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


def test_a_cycle_of_references_that_is_not_ownership_is_followed_one_way_once() -> None:
    # person → order (a favourite, context) and order → person (belongs-to): the orders are
    # found from their person only; an order someone marked as a favourite may be another
    # person's, and is never found through that reference.
    plan = plan_for(SHOP, EMAIL)
    assert order(plan) == ["shop.person", "shop.order"]
    assert plan.steps[1].matches == (Match("person_id", (belongs_to(1, "id"),)),)
    assert plan.steps[0].matches == (
        Match("email", (Source("identity", identity="email"),), fold_case=True),
    )
    assert Link("shop.person", "favourite_order", "shop.order", "id", "context", True) in (
        plan.links
    )
    # Deleting rows still has to get round the loop: it is named, and both are erased.
    assert plan.erasure_loops == ("shop.person",)
    assert sorted(plan.erasure_order) == [1, 2]


def test_self_references_are_context_and_never_followed() -> None:
    text = TELECOM.replace(
        "          name: {categories: [user.name]}\n",
        "          name: {categories: [user.name]}\n"
        "          referred_by: {references: customer.id}\n",
    ).replace(
        "          total: {categories: [user.financial]}\n",
        "          total: {categories: [user.financial]}\n"
        "          replaces: {references: invoice.id}\n",
    )
    plan = plan_for(text, EMAIL)
    # A referrer is another customer; a credit note's original invoice is context too, and
    # not a second candidate owner of the invoice (which still belongs to its account).
    assert Link("crm.customer", "referred_by", "crm.customer", "id", "context", False) in (
        plan.links
    )
    assert Link("billing.invoice", "replaces", "billing.invoice", "id", "context", False) in (
        plan.links
    )
    fields = {field for step in plan.steps for field, _ in sources(plan, step.dotted)}
    assert "referred_by" not in fields and "replaces" not in fields
    invoice = plan.find("billing.invoice")
    assert invoice is not None and invoice.owner is not None
    assert invoice.owner.field == "account_number"
    lines = describe(plan)
    assert "  crm.customer.referred_by → crm.customer.id  [context]" in lines
    assert "  billing.invoice.replaces → billing.invoice.id  [context]" in lines


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
    assert plan.roles["legacy.counters"] == "context"
    assert plan.roles["legacy.mailing"] == "owned"
    assert any(w.startswith("legacy.mailing holds personal data") for w in plan.warnings)
    lines = describe(plan)
    at = lines.index("Unreachable (personal data no identity or ownership leads to):")
    assert lines[at + 1] == "  legacy.mailing"


def test_a_customers_undeclared_reference_to_their_address_is_context_and_warned() -> None:
    # From a dataset of people a reference is context unless declared: the address is not
    # reached, the plan says so and warns that reach: owns may be meant.
    text = HEAD + (
        "  crm:\n"
        "    connection: sqlite:///crm.sqlite\n"
        "    datasets:\n"
        "      customer:\n"
        "        fields:\n"
        "          id: {primary_key: true, identity: customer_id}\n"
        "          email: {categories: [user.contact.email], identity: email}\n"
        "          address_id: {references: address.id}\n"
        "      address:\n"
        "        fields:\n"
        "          id: {primary_key: true}\n"
        "          line1: {categories: [user.contact.address.street]}\n"
    )
    plan = plan_for(text, EMAIL)
    assert order(plan) == ["crm.customer"]
    assert plan.unreachable == ("crm.address",)
    assert any("write reach: owns" in w for w in plan.warnings)
    owned = plan_for(text.replace("address.id}", "address.id, reach: owns}"), EMAIL)
    assert order(owned) == ["crm.customer", "crm.address"]
    assert owned.unreachable == () and owned.warnings == ()


def test_owns_leads_from_the_person_to_the_row_they_own_and_never_back() -> None:
    text = HEAD + (
        "  crm:\n"
        "    connection: sqlite:///crm.sqlite\n"
        "    datasets:\n"
        "      customer:\n"
        "        fields:\n"
        "          id: {primary_key: true, identity: customer_id}\n"
        "          email: {categories: [user.contact.email], identity: email}\n"
        "          address_id: {references: address.id, reach: owns}\n"
        "      address:\n"
        "        fields:\n"
        "          id: {primary_key: true}\n"
        "          line1: {categories: [user.contact.address.street]}\n"
        "      delivery:\n"
        "        fields:\n"
        "          id: {primary_key: true}\n"
        "          address_id: {references: address.id}\n"
        "          note: {categories: [user.content]}\n"
    )
    plan = plan_for(text, EMAIL)
    assert order(plan) == ["crm.customer", "crm.address", "crm.delivery"]
    customer, address, delivery = plan.steps
    assert address.matches == (Match("id", (Source("owns", step=1, column="address_id"),)),)
    # What belongs to an owned row is the person's too (deliveries to their address) ...
    assert delivery.matches == (Match("address_id", (belongs_to(2, "id"),)),)
    # ... but nothing leads from the address back to other customers who name it.
    assert [s.via for _, s in sources(plan, "crm.customer")] == ["identity", "identity"]
    assert customer.columns_needed(plan) == {"address_id"}
    assert address.columns_needed(plan) == {"id"}
    # The customer refers to the address and the delivery too: both go before it.
    erase = [plan.step(n).dotted for n in plan.erasure_order]
    assert erase.index("crm.customer") < erase.index("crm.address")
    assert erase.index("crm.delivery") < erase.index("crm.address")
    text_ = "\n".join(describe(plan))
    assert (
        "match id = crm.customer.address_id (step 1): the rows the person's rows there own"
        "  [owned: owns]" in text_
    )


def test_context_rows_are_never_a_step_and_are_shown_only_where_declared() -> None:
    text = HEAD + (
        "  crm:\n"
        "    connection: sqlite:///crm.sqlite\n"
        "    datasets:\n"
        "      customer:\n"
        "        fields:\n"
        "          id: {primary_key: true, identity: customer_id}\n"
        "          email: {categories: [user.contact.email], identity: email}\n"
        "          store_id: {references: store.id}\n"
        "          tariff_id: {references: tariff.id}\n"
        "      store:\n"
        "        about: context\n"
        "        show_in_access: true\n"
        "        fields:\n"
        "          id: {primary_key: true}\n"
        "          name: {}\n"
        "      tariff:\n"
        "        fields:\n"
        "          id: {primary_key: true}\n"
        "          price: {}\n"
    )
    plan = plan_for(text, EMAIL)
    assert order(plan) == ["crm.customer"]
    assert plan.roles["crm.store"] == "context" and plan.roles["crm.tariff"] == "context"
    assert plan.context == (Context(1, "store_id", "crm.store", "id"),)
    assert plan.unreachable == ()
    lines = describe(plan)
    assert "  crm.customer.store_id → crm.store.id  [context, shown in access]" in lines
    assert "  crm.customer.tariff_id → crm.tariff.id  [context]" in lines


def test_mentions_name_another_party_and_never_find_rows() -> None:
    text = TELECOM.replace(
        "          started_at: {categories: [user.behavior]}\n",
        "          started_at: {categories: [user.behavior]}\n"
        "          called_number: {mention: phone, erase: nullify}\n",
    )
    plan = plan_for(text, PHONE)
    # The phone finds the calls made from it, not the calls made to it.
    assert sources(plan, "network.cdr") == [
        ("calling_number", Source("identity", identity="phone"))
    ]
    assert plan.mentions == (
        MentionField("network", "cdr", "called_number", "phone", "nullify", None),
    )
    lines = describe(plan)
    assert (
        "  network.cdr.called_number  [mention: phone; when the person named is erased: nullify]"
        in lines
    )


def test_datasets_of_an_identity_not_given_are_reached_only_through_links() -> None:
    plan = plan_for(TELECOM, Identity("username", "ann"))
    assert plan.steps == ()
    assert plan.unused == ("username",)
    assert plan.unreachable == () and set(plan.not_reached) == {
        "crm.customer",
        "billing.account",
        "crm.address",
        "billing.invoice",
        "network.cdr",
    }


def test_erasure_runs_children_before_parents() -> None:
    plan = plan_for(TELECOM, EMAIL)
    erase = [plan.step(n).dotted for n in plan.erasure_order]
    assert sorted(erase) == sorted(order(plan))
    for child, parent in [
        ("crm.address", "crm.customer"),
        ("billing.account", "crm.customer"),
        ("billing.invoice", "billing.account"),
        ("network.cdr", "billing.account"),
    ]:
        assert erase.index(child) < erase.index(parent)
    assert plan.erasure_loops == ()
    # A context reference still holds a foreign key: the ticket goes before the account.
    plan = plan_for(CONTACT_CENTRE, EMAIL)
    erase = [plan.step(n).dotted for n in plan.erasure_order]
    assert erase.index("contact_centre.ticket") < erase.index("billing.account")


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
    "          agent_id: {references: hr.employee.id}\n"
    "          audio: {categories: [user.content]}\n"
    "      ticket:\n"
    "        fields:\n"
    "          id: {primary_key: true}\n"
    "          customer_id: {references: crm.customer.id, reach: belongs-to}\n"
    "          account_number: {references: billing.account.number, reach: context}\n"
    "          notes: {categories: [user.content]}\n"
)


def test_rows_naming_two_people_are_refused_until_one_is_declared_the_owner() -> None:
    undeclared = CONTACT_CENTRE.replace(
        "          customer_id: {references: crm.customer.id, reach: belongs-to}\n"
        "          agent_id:",
        "          customer_id: {references: crm.customer.id}\n          agent_id:",
    )
    assert undeclared != CONTACT_CENTRE
    with pytest.raises(DeclarationInvalid) as caught:
        load(undeclared)
    (problem,) = caught.value.problems
    assert "contact_centre.recording has 2 references that could say whose rows these are" in (
        problem.message
    )
    assert "customer_id (to crm.customer), agent_id (to hr.employee)" in problem.message
    assert problem.place is not None and problem.place.file == "pledge.yaml"


def test_with_one_declared_owner_the_other_persons_record_is_never_reached() -> None:
    # A call recording names the customer (declared owner) and the agent who took the call
    # (so context): found from the customer, it must not bring the agent's HR record in.
    plan = plan_for(CONTACT_CENTRE, CUSTOMER)
    agent = Link("contact_centre.recording", "agent_id", "hr.employee", "id", "context", False)
    assert agent in plan.links
    customer = plan.find("crm.customer")
    assert customer is not None
    assert sources(plan, "contact_centre.recording") == [
        ("customer_id", belongs_to(customer.number, "id"))
    ]
    # The employee record is read only by the person's own values (a customer on the staff,
    # with the same email), never through a recording.
    assert {s.via for _, s in sources(plan, "hr.employee")} == {"identity"}
    assert "contact_centre.recording.agent_id → hr.employee.id  [context]" in "\n".join(
        describe(plan)
    )
    # The agent's own request does not reach the recordings of calls they took: those are
    # reached only from the customer they belong to.
    staff = plan_for(CONTACT_CENTRE, Identity("employee_id", "E7"))
    employee = staff.find("hr.employee")
    assert employee is not None
    for _, source in sources(staff, "contact_centre.recording"):
        assert source.via == "belongs-to" and source.step != employee.number
        assert staff.step(source.step or 0).dotted == "crm.customer"
