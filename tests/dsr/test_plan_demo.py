"""The plan for a Northwold Telecom customer, on the demo company's declaration and data:
the chain CRM → billing → network by ownership, the agent who took a call kept out of the
caller's answer (and the callers out of the agent's), children erased first."""

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
from pledge.subjects.reach import find


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
    assert customer.dotted == "crm.customer" and customer.role == "people"
    email = next(m for m in customer.matches if m.field == "email")
    assert email.fold_case
    assert email.sources == (Source("identity", identity="email"),)
    account = plan.find("crm.account")
    assert account is not None and account.role == "owned"
    by_customer = next(m for m in account.matches if m.field == "customer_id")
    assert by_customer.sources == (Source("belongs-to", step=1, column="id"),)
    for dotted in ("billing.invoice", "billing.payment", "network.call_record"):
        step = plan.find(dotted)
        assert step is not None, dotted
        sources = [s for m in step.matches if m.field == "account_number" for s in m.sources]
        assert sources == [Source("belongs-to", step=account.number, column="number")], dotted
        assert step.number > account.number  # read after the accounts it belongs to
    # A payment names the invoice it settled too: context, not a second way in.
    payment = plan.find("billing.payment")
    assert payment is not None
    assert "invoice_number" not in {m.field for m in payment.matches}
    assert plan.unreachable == ()


def test_the_agent_who_took_a_call_is_not_part_of_the_callers_answer(plan: Plan) -> None:
    agent = next(k for k in plan.links if k.label == "contact_centre.call_recording.agent_id")
    assert (agent.target, agent.reach) == ("hr.employee", "context")
    recording = plan.find("contact_centre.call_recording")
    employee = plan.find("hr.employee")
    assert recording is not None and employee is not None
    # The recording is the customer's (and found by their phone); the agent's id finds nothing.
    assert {m.field for m in recording.matches} == {"customer_id", "caller_number"}
    # The employee record is read only by the person's own values: a customer on the staff.
    assert {s.via for m in employee.matches for s in m.sources} == {"identity"}


@pytest.fixture(scope="module")
def calls(estate: Loaded) -> list[tuple[int, int, str]]:
    """(customer id, agent id, customer's email) of every recorded call."""
    with sqlite3.connect(estate.folder / "contact_centre.sqlite") as centre:
        taken = centre.execute("SELECT customer_id, agent_id FROM call_recording").fetchall()
    with sqlite3.connect(estate.folder / "crm.sqlite") as crm:
        emails = dict(crm.execute("SELECT id, email FROM customer").fetchall())
    return [(customer, agent, emails[customer]) for customer, agent in taken]


def test_a_customers_rows_hold_their_recorded_calls_and_not_the_agent(
    estate: Loaded, systems: dict[str, Connector], calls: list[tuple[int, int, str]]
) -> None:
    customer, agent, email = calls[0]
    reached = find(estate.declaration, parse([("email", email)]), systems)
    recordings = reached.rows["contact_centre.call_recording"]
    assert {r["customer_id"] for r in recordings} == {customer}
    assert agent in {r["agent_id"] for r in recordings}
    assert [r["id"] for r in reached.rows["crm.customer"]] == [customer]
    assert "hr.employee" not in reached.rows  # the agent's record is not the customer's
    assert reached.context == {}


def test_an_employees_request_does_not_reach_the_customers_whose_calls_they_took(
    estate: Loaded, systems: dict[str, Connector], calls: list[tuple[int, int, str]]
) -> None:
    agent = calls[0][1]
    customers = {customer for customer, a, _ in calls if a == agent}
    assert customers
    reached = find(estate.declaration, parse([("employee_id", str(agent))]), systems)
    assert [r["id"] for r in reached.rows["hr.employee"]] == [agent]
    # The agent is no customer: no recording, no customer, no account is theirs; only their
    # staff record and the CCTV clips that show them (which belong to them) are.
    assert set(reached.rows) <= {"hr.employee", "facilities.cctv_clip"}
    assert {r["employee_id"] for r in reached.rows.get("facilities.cctv_clip", [])} <= {agent}


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
