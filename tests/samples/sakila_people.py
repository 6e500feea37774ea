"""Sakila: what each request must find and change, worked out by hand from the rows in
tests/fixtures/samples/sakila.py (rentals and payments listed there by customer).

Reasons, once: a rental and a payment belong to the customer they name; a customer's (or a
staff member's) address is theirs through ``reach: owns``, and shared when another
customer's row refers to it too; the store, inventory, film and city rows are context and are
shown only when the person's own rows refer to them directly (so a rental shows its
inventory row, but not the film the inventory row names, and an address shows its city but
not the city's country); the staff who handled a rental is never shown. Erasure deletes
customers, rentals and payments, and updates addresses and staff (erase: update).
"""

from __future__ import annotations

from tests.samples.people import Person

ANN = Person(
    "Ann Carter, customer 1, shares address 5 with Bob",
    asks_with=(("email", "ann.carter@example.org"),),
    rows={"customer": {1}, "address": {5}, "rental": {1, 2, 11}, "payment": {1, 2, 11, 13}},
    shared={"address": {5}},
    # Store 1 is her customer row's; inventory 5 (rental 11) is at store 2, but a rental names
    # the inventory row, not its store. City 1 is named by address 5.
    context={"store": {1}, "inventory": {1, 2, 5}, "city": {1}},
    deleted={"customer": {1}, "rental": {1, 2, 11}, "payment": {1, 2, 11, 13}},
)
BOB = Person(
    "Bob Carter, customer 2, asks by customer id, shares address 5 with Ann",
    asks_with=(("customer_id", "2"),),
    rows={"customer": {2}, "address": {5}, "rental": {3, 7}, "payment": {3, 7}},
    shared={"address": {5}},
    context={"store": {1}, "inventory": {2, 3}, "city": {1}},
    deleted={"customer": {2}, "rental": {3, 7}, "payment": {3, 7}},
)
CARLA = Person(
    "Carla Diaz, customer 3, her own address",
    asks_with=(("email", "carla.diaz@example.org"),),
    rows={"customer": {3}, "address": {6}, "rental": {4, 12}, "payment": {4, 12}},
    context={"store": {1}, "inventory": {1}, "city": {1}},
    deleted={"customer": {3}, "rental": {4, 12}, "payment": {4, 12}},
    updated={"address": {6}},
)
RENEE_ACCENT = Person(
    "Renée Roy, customer 4, asks in capitals; Renee Roy (customer 5) differs by the accent",
    asks_with=(("email", "RENÉE.ROY@example.org"),),
    rows={"customer": {4}, "address": {7}, "rental": {5, 8}, "payment": {5, 8}},
    context={"store": {2}, "inventory": {4, 6}, "city": {2}},
    deleted={"customer": {4}, "rental": {5, 8}, "payment": {5, 8}},
    updated={"address": {7}},
)
RENEE = Person(
    "Renee Roy, customer 5, no accent",
    asks_with=(("email", "renee.roy@example.org"),),
    rows={"customer": {5}, "address": {8}, "rental": {6}, "payment": {6}},
    context={"store": {2}, "inventory": {5}, "city": {2}},
    deleted={"customer": {5}, "rental": {6}, "payment": {6}},
    updated={"address": {8}},
)
MIRA = Person(
    "Mira Hallam, staff 1, manager of store 1, handled 8 rentals and 9 payments",
    asks_with=(("email", "mira.hallam@sakilastaff.com"),),
    # Her own record and home address; none of the rentals or payments she handled, and not
    # the store she manages (store.manager_staff_id is context): they are the customers'.
    rows={"staff": {1}, "address": {3}},
    context={"store": {1}, "city": {1}},
    updated={"staff": {1}, "address": {3}},
)
EMMA = Person(
    "Emma Wood: her email is on two customer rows (6 and 7), stored in two cases",
    asks_with=(("email", "emma.wood@example.org"),),
    stops=True,
)
EMMA_BOTH_ACCOUNTS = Person(
    "Emma Wood, the operator says both customer rows holding her email are hers",
    asks_with=(("email", "emma.wood@example.org"),),
    same_person=(("email", "emma.wood@example.org"),),
    # Address 9 is referred to by customers 6 and 7, both hers now: not shared.
    rows={"customer": {6, 7}, "address": {9}, "rental": {9, 10}, "payment": {9, 10}},
    context={"store": {1, 2}, "inventory": {3, 4}, "city": {1}},
    deleted={"customer": {6, 7}, "rental": {9, 10}, "payment": {9, 10}},
    updated={"address": {9}},
)

PEOPLE = [ANN, BOB, CARLA, RENEE_ACCENT, RENEE, MIRA, EMMA, EMMA_BOTH_ACCOUNTS]
