"""Chinook: what each request must find and change, worked out by hand from the rows in
tests/fixtures/samples/chinook.py.

Reasons, once: an invoice belongs to its customer and an invoice line to its invoice; a
customer's support rep (Customer.SupportRepId) and a manager (Employee.ReportsTo) are other
people's records, never followed; the catalogue is context and only the tracks the person's
invoice lines name are shown (not their albums). The phone is an identity, and Marta and
Paulo Silva share a landline: their rows hold it, so a request that reaches either of them
reaches the landline too and stops as ambiguous unless the operator sets the number aside.
Erasure deletes customers, invoices and lines, and updates employees.
"""

from __future__ import annotations

from tests.samples.people import Person

LANDLINE = ("phone", "+44 131 496 0001")

MARTA = Person(
    "Marta Silva, customer 1: her row holds the household landline Paulo's row holds too",
    asks_with=(("email", "marta.silva@example.com"),),
    stops=True,
)
MARTA_WITHOUT_LANDLINE = Person(
    "Marta Silva, customer 1, the operator sets the shared landline aside",
    asks_with=(("email", "marta.silva@example.com"),),
    ignore=(LANDLINE,),
    rows={"Customer": {1}, "Invoice": {1, 2}, "InvoiceLine": {1, 2, 3}},
    context={"Track": {1, 2, 3}},
    deleted={"Customer": {1}, "Invoice": {1, 2}, "InvoiceLine": {1, 2, 3}},
)
PAULO_WITHOUT_LANDLINE = Person(
    "Paulo Silva, customer 2, by customer id, the shared landline set aside",
    asks_with=(("customer_id", "2"),),
    ignore=(LANDLINE,),
    rows={"Customer": {2}, "Invoice": {3, 7}, "InvoiceLine": {4, 5, 10}},
    context={"Track": {1, 2, 4}},
    deleted={"Customer": {2}, "Invoice": {3, 7}, "InvoiceLine": {4, 5, 10}},
)
LANDLINE_ALONE = Person(
    "Someone asking by the Silvas' landline, in national format",
    asks_with=(("phone", "0131 496 0001"),),
    stops=True,
)
KIM = Person(
    "Kim Novak, customer 3, stored as Kim.Novak@Example.com",
    asks_with=(("email", "kim.novak@example.com"),),
    rows={"Customer": {3}, "Invoice": {4}, "InvoiceLine": {6}},
    context={"Track": {2}},
    deleted={"Customer": {3}, "Invoice": {4}, "InvoiceLine": {6}},
)
INES = Person(
    "Ines Roth, customer 5, in Berlin",
    asks_with=(("email", "ines.roth@example.de"),),
    rows={"Customer": {5}, "Invoice": {6}, "InvoiceLine": {9}},
    context={"Track": {1}},
    deleted={"Customer": {5}, "Invoice": {6}, "InvoiceLine": {9}},
)
TOBI_AT_WORK = Person(
    "Tobi Okafor, employee 2, by work email: support rep of customers 1, 2 and 4",
    asks_with=(("email", "tobi.okafor@chinookcorp.com"),),
    # His employee record only: the customers he supports are theirs, not his.
    rows={"Employee": {2}},
    updated={"Employee": {2}},
)
TOBI_BOTH = Person(
    "Tobi Okafor by both emails: employee 2 and customer 4",
    asks_with=(("email", "tobi.okafor@chinookcorp.com"), ("email", "tobi@example.net")),
    rows={"Employee": {2}, "Customer": {4}, "Invoice": {5}, "InvoiceLine": {7, 8}},
    context={"Track": {3, 4}},
    deleted={"Customer": {4}, "Invoice": {5}, "InvoiceLine": {7, 8}},
    updated={"Employee": {2}},
)
LENA = Person(
    "Lena Harper, employee 1, the manager employees 2 and 3 report to, by employee id",
    asks_with=(("employee_id", "1"),),
    rows={"Employee": {1}},
    updated={"Employee": {1}},
)

PEOPLE = [
    MARTA,
    MARTA_WITHOUT_LANDLINE,
    PAULO_WITHOUT_LANDLINE,
    LANDLINE_ALONE,
    KIM,
    INES,
    TOBI_AT_WORK,
    TOBI_BOTH,
    LENA,
]
