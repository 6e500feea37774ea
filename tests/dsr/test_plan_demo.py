"""The plan for a Northwold Telecom customer, on the demo company's declaration and data:
the chain CRM → billing → network, shared identities, the agent left out, children first."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from pledge.cli import main
from pledge.connectors import Connector, Select, connect
from pledge.declaration import Loaded, load_file
from pledge.subjects.identity import lenient, parse
from pledge.subjects.plan import Plan, Source, make_plan


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    folder = tmp_path_factory.mktemp("northwold") / "estate"
    made = CliRunner().invoke(
        main,
        [
            "demo",
            "generate",
            "--customers",
            "40",
            "--out",
            str(folder),
            "--seed",
            "7",
            "--as-of",
            "2026-01-31",
        ],
        env={},
    )
    assert made.exit_code == 0, made.output
    return load_file(folder / "pledge.yaml")


@pytest.fixture(scope="module")
def caller(estate: Loaded) -> dict[str, str]:
    """A customer who made calls: their email, phones (as the CRM stores them) and account."""
    folder = estate.folder
    with sqlite3.connect(folder / "network.sqlite") as network:
        accounts = [
            a for (a,) in network.execute("SELECT DISTINCT account_number FROM call_record")
        ]
    with sqlite3.connect(folder / "crm.sqlite") as crm:
        crm.row_factory = sqlite3.Row
        marks = ", ".join("?" * len(accounts))
        row = crm.execute(
            "SELECT c.email, c.mobile, c.landline, a.number FROM customer c JOIN account a "
            f"ON a.customer_id = c.id WHERE a.number IN ({marks}) AND c.email IS NOT NULL",
            accounts,
        ).fetchone()
    return dict(row)


@pytest.fixture(scope="module")
def plan(estate: Loaded, caller: dict[str, str]) -> Plan:
    return make_plan(estate.declaration, parse([("email", caller["email"].upper())]))


@pytest.fixture(scope="module")
def systems(estate: Loaded) -> Iterator[dict[str, Connector]]:
    declared = estate.declaration.systems
    opened = {n: connect(n, s, environ={}, folder=estate.folder) for n, s in declared.items()}
    yield opened
    for connector in opened.values():
        connector.close()


def test_customer_email_leads_through_accounts_to_bills_and_call_records(plan: Plan) -> None:
    customer = plan.steps[0]
    assert (customer.dotted, customer.role) == ("crm.customer", "people")
    email = next(m for m in customer.matches if m.field == "email")
    assert email.fold_case and email.sources == (Source("identity", identity="email"),)
    account = plan.find("crm.account")
    assert account is not None
    assert Source("belongs-to", step=customer.number, column="id") in [
        s for m in account.matches if m.field == "customer_id" for s in m.sources
    ]
    for dotted in ("billing.invoice", "billing.payment", "network.call_record"):
        step = plan.find(dotted)
        assert step is not None, dotted
        assert step.owner is not None and step.owner.field == "account_number", dotted
        sources = [s for m in step.matches if m.field == "account_number" for s in m.sources]
        assert sources == [Source("belongs-to", step=account.number, column="number")], dotted
        assert step.number > account.number  # read after the accounts it belongs to
    assert plan.unreachable == ()


def test_other_parties_named_on_the_customers_rows_never_find_rows(plan: Plan) -> None:
    # The address a bill was emailed to and the number called are mentions: not matched on,
    # only cleared (or, under the retention notice, kept) when the person they name is erased.
    for dotted, column in (
        ("billing.invoice", "sent_to_email"),
        ("network.call_record", "called_number"),
    ):
        step = plan.find(dotted)
        assert step is not None and column not in {m.field for m in step.matches}, dotted
    assert {(m.dotted, m.field, m.kind, m.erase) for m in plan.mentions} == {
        ("billing.invoice", "sent_to_email", "email", "nullify"),
        ("network.call_record", "called_number", "phone", "keep"),
    }
    # A payment is the account's: the invoice it settled is context, not a second owner.
    payment = plan.find("billing.payment")
    assert payment is not None and {m.field for m in payment.matches} == {"account_number"}


def test_the_agent_who_took_a_call_is_not_part_of_the_callers_answer(plan: Plan) -> None:
    agent = next(k for k in plan.links if k.label == "contact_centre.call_recording.agent_id")
    assert (agent.reach, agent.declared) == ("context", True)
    recording = plan.find("contact_centre.call_recording")
    assert recording is not None and recording.owner is not None
    assert recording.owner.field == "customer_id"
    employee = plan.find("hr.employee")
    assert employee is not None  # read only for the same email: a customer on the staff
    assert {s.via for m in employee.matches for s in m.sources} == {"identity"}


def test_erasure_runs_children_first(plan: Plan) -> None:
    erase = [plan.step(n).dotted for n in plan.erasure_order]
    assert erase[-1] == "crm.customer"
    assert erase.index("billing.payment") < erase.index("billing.invoice")
    assert erase.index("network.call_record") < erase.index("crm.account")


def test_every_step_reads_columns_that_exist(plan: Plan, systems: dict[str, Connector]) -> None:
    for step in plan.steps:
        columns = systems[step.system].columns(step.dataset)
        assert set(step.fields) <= set(columns), step.dotted


def test_the_first_step_finds_the_customer_whatever_the_case(
    plan: Plan, systems: dict[str, Connector], caller: dict[str, str]
) -> None:
    query = Select("customer", "email", [plan.identities[0].value], ["email"], fold_case=True)
    rows = [row for batch in systems["crm"].read(query) for row in batch]
    assert [row["email"] for row in rows] == [caller["email"]]


def test_phones_stored_nationally_in_crm_find_e164_call_records(
    systems: dict[str, Connector], caller: dict[str, str]
) -> None:
    # The CRM keeps "01482 123456"; the network keeps "+441482123456".
    forms = lenient("phone", [caller["mobile"], caller["landline"]])
    query = Select("call_record", "calling_number", forms, ["account_number"])
    rows = [row for batch in systems["network"].read(query) for row in batch]
    assert rows
    assert caller["number"] in {row["account_number"] for row in rows}
