"""The runner's rules on a small shop of our own making, each shape a real schema has: a
shared address, a store, the agent who served a customer, the number a customer called, a
household landline, a bill sent to a relative. Every test compares the whole database before
and after, so a row changed that is not the person's fails it."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pledge.cli import main as pledge
from pledge.connectors import connect
from pledge.declaration import Loaded, load_file
from pledge.dsr.access_batch import access_many
from pledge.dsr.erasure import ErasureIncomplete, erase
from pledge.dsr.rectify import RectificationRefused, rectify
from pledge.settings import Settings
from pledge.store import AuditEvent, make_engine, upgrade
from pledge.subjects.identity import Identity, parse
from pledge.subjects.reach import AmbiguousIdentity, BlastRadius, Choices, Reached, find
from tests.fixtures.keys import TEST_HASH_KEY

YAML = """\
pledge: 1
controller: {name: Shop Ltd, address: 1 Road}
systems:
  shop:
    connection: sqlite:///shop.sqlite
    datasets:
      store:
        about: context
        show_in_access: true
        fields:
          id: {primary_key: true}
          name: {}
      staff:
        fields:
          id: {primary_key: true, identity: employee_id}
          email: {identity: email, categories: [user.contact.email]}
          name: {categories: [user.name]}
          store_id: {references: store.id}
      address:
        fields:
          id: {primary_key: true}
          line1: {categories: [user.contact.address.street]}
      customer:
        erase: update
        fields:
          id: {primary_key: true, identity: customer_id}
          email: {identity: email, categories: [user.contact.email], erase: nullify}
          phone: {identity: phone, categories: [user.contact.phone_number], erase: nullify}
          name: {categories: [user.name], erase: nullify}
          address_id: {references: address.id, reach: owns}
          store_id: {references: store.id}
          referrer_id: {references: customer.id}
      rental:
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id, reach: belongs-to}
          staff_id: {references: staff.id, reach: context}
          store_id: {references: store.id}
          title: {categories: [user.behavior]}
      bill:
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id}
          sent_to: {identity: email, categories: [user.contact.email]}
          amount: {categories: [user.financial]}
      call:
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id}
          called: {mention: phone, erase: nullify, categories: [user.contact.phone_number]}
"""

TABLES = {
    "store": ["id INTEGER PRIMARY KEY", "name TEXT"],
    "staff": ["id INTEGER PRIMARY KEY", "email TEXT", "name TEXT", "store_id INTEGER"],
    "address": ["id INTEGER PRIMARY KEY", "line1 TEXT"],
    "customer": [
        "id INTEGER PRIMARY KEY",
        "email TEXT",
        "phone TEXT",
        "name TEXT",
        "address_id INTEGER",
        "store_id INTEGER",
        "referrer_id INTEGER",
    ],
    "rental": [
        "id INTEGER PRIMARY KEY",
        "customer_id INTEGER",
        "staff_id INTEGER",
        "store_id INTEGER",
        "title TEXT",
    ],
    "bill": ["id INTEGER PRIMARY KEY", "customer_id INTEGER", "sent_to TEXT", "amount INTEGER"],
    "call": ["id INTEGER PRIMARY KEY", "customer_id INTEGER", "called TEXT"],
}
ROWS: dict[str, list[tuple[Any, ...]]] = {
    "store": [(1, "Hull"), (2, "York")],
    "staff": [(1, "mo@shop.example", "Mo Agent", 1), (2, "jo@shop.example", "Jo Agent", 2)],
    "address": [(1, "1 Shared Street"), (2, "2 Own Road"), (3, "3 Far Lane")],
    "customer": [
        # Ann and Bob share an address; Cy was referred by Ann; Di is on her own.
        (1, "Ann@Example.uk", "01482 000001", "Ann", 1, 1, None),
        (2, "bob@example.uk", "01482 000002", "Bob", 1, 1, None),
        (3, "cy@example.uk", "01904 000003", "Cy", 2, 2, 1),
        (4, "di@example.uk", "01904 000004", "Di", 3, 2, None),
    ],
    "rental": [
        (1, 1, 1, 1, "Alien"),
        (2, 1, 2, 2, "Brazil"),
        (3, 2, 1, 1, "Casablanca"),
        (4, 3, 2, 2, "Dune"),
    ],
    "bill": [(1, 1, "ann@example.uk", 10), (2, 2, "bob@example.uk", 20), (3, 4, None, 5)],
    "call": [(1, 1, "01904 000003"), (2, 3, "01482 000001"), (3, 4, "01482 000001")],
}


@dataclass
class Shop:
    folder: Path
    loaded: Loaded
    settings: Settings

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.folder / "shop.sqlite")

    def rows(self) -> dict[str, dict[Any, tuple[Any, ...]]]:
        with self.db() as db:
            return {t: {r[0]: r for r in db.execute(f"SELECT * FROM {t}")} for t in TABLES}

    def execute(self, sql: str, *params: Any) -> None:
        with self.db() as db:
            db.execute(sql, params)

    def find(self, *pairs: tuple[str, str], choices: Choices | None = None) -> Reached:
        system = self.loaded.declaration.systems["shop"]
        conn = connect("shop", system, environ={}, folder=self.folder)
        try:
            return find(self.loaded.declaration, parse(pairs), {"shop": conn}, choices=choices)
        finally:
            conn.close()

    def erase(self, *pairs: tuple[str, str], choices: Choices | None = None) -> Any:
        return erase(self.loaded, parse(pairs), settings=self.settings, choices=choices)


@pytest.fixture
def shop(tmp_path: Path) -> Shop:
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        for table, columns in TABLES.items():
            db.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
            marks = ", ".join("?" * len(columns))
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", ROWS[table])
    (tmp_path / "pledge.yaml").write_text(YAML, encoding="utf-8")
    loaded = load_file(tmp_path / "pledge.yaml")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'pledge.sqlite'}", hash_key=TEST_HASH_KEY
    )
    upgrade(settings)
    return Shop(tmp_path, loaded, settings)


def keys(reached: Reached) -> dict[str, set[Any]]:
    return {d: {r["id"] for r in rows} for d, rows in reached.rows.items()}


def changed(before: dict[str, dict[Any, tuple[Any, ...]]], after: dict[str, Any]) -> set[str]:
    """``table:key`` of every row added, removed or altered."""
    out: set[str] = set()
    for table, rows in before.items():
        for key in rows.keys() | after[table].keys():
            if rows.get(key) != after[table].get(key):
                out.add(f"{table}:{key}")
    return out


def test_a_customer_reaches_their_own_rows_and_their_shared_address_only(shop: Shop) -> None:
    got = shop.find(("email", "ann@example.uk"))
    assert keys(got) == {
        "shop.customer": {1},
        "shop.address": {1},
        "shop.rental": {1, 2},
        "shop.bill": {1},
        "shop.call": {1},
    }
    assert got.shared == {"shop.address": [1]}  # Bob lives there too
    # The stores her rows name are shown as context; the agents who served her are not.
    assert {r["id"] for r in got.context["shop.store"]} == {1, 2}
    assert "shop.staff" not in got.rows


def test_an_agent_reaches_their_own_record_not_the_customers_they_served(shop: Shop) -> None:
    got = shop.find(("email", "mo@shop.example"))
    assert keys(got) == {"shop.staff": {1}}


def test_erasure_changes_exactly_the_persons_rows_and_keeps_the_shared_address(
    shop: Shop,
) -> None:
    before = shop.rows()
    result = shop.erase(("email", "ANN@example.uk"))
    after = shop.rows()
    # Her customer record, rentals, bill and call go; the number she was called on is
    # cleared in Cy's and Di's call records (a mention); nothing else moves.
    assert changed(before, after) == {
        "customer:1",
        "rental:1",
        "rental:2",
        "bill:1",
        "call:1",
        "call:2",
        "call:3",
    }
    assert after["call"][2] == (2, 3, None) and after["call"][3] == (3, 4, None)
    # Cy's record names Ann as referrer: her row stays, cleared, so his still points at it.
    assert after["customer"][1] == (1, None, None, None, 1, 1, None)
    assert after["address"][1] == before["address"][1]
    assert result.complete and result.with_exemptions
    (address,) = [d for s in result.systems for d in s.datasets if d.dataset == "address"]
    assert (address.erased, address.kept[0].rule) == (0, "shared")
    assert address.kept[0].reason == "shared with 1 other record(s)"
    text = result.text()
    assert "shop.call.called: 2 row(s), nullify applied" in text
    assert "shop.store: 2 row(s), context: referred to by shop.customer.store_id, " in text
    assert "another person's record: referred to by shop.rental.staff_id" in text
    assert result.certificate()["totals"]["mentions_changed"] == 2


def test_a_shared_landline_stops_the_request_and_names_the_value(shop: Shop) -> None:
    shop.execute("UPDATE customer SET phone = '01482 000001' WHERE id = 2")  # one household
    before = shop.rows()
    with pytest.raises(AmbiguousIdentity) as stop:
        shop.erase(("email", "ann@example.uk"))
    assert shop.rows() == before  # nothing written
    assert stop.value.value == Identity("phone", "+441482000001")
    assert (stop.value.dataset, stop.value.others) == ("shop.customer", 1)
    message = str(stop.value)
    assert (
        "found on shop.customer.phone" in message and "--same-person phone:+441482000001" in message
    )
    with pytest.raises(AmbiguousIdentity):
        shop.find(("email", "bob@example.uk"))
    # Given by the person, the same value is as ambiguous.
    with pytest.raises(AmbiguousIdentity, match="given by the person"):
        shop.find(("phone", "01482 000001"))


def test_ignoring_a_shared_value_leaves_the_other_persons_rows_alone(shop: Shop) -> None:
    shop.execute("UPDATE customer SET phone = '01482 000001' WHERE id = 2")
    before = shop.rows()
    ignore = Choices(ignore=frozenset({Identity("phone", "+441482000001")}))
    assert keys(shop.find(("email", "ann@example.uk"), choices=ignore))["shop.customer"] == {1}
    shop.erase(("email", "ann@example.uk"), choices=ignore)
    after = shop.rows()
    # Bob's record, rental and bill are as they were; the shared landline stays on his record.
    for table, key in (("customer", 2), ("rental", 3), ("bill", 2)):
        assert after[table][key] == before[table][key], (table, key)
    assert changed(before, after) >= {"customer:1", "rental:1", "rental:2", "bill:1"}
    assert after["customer"][1][1:4] == (None, None, None)


def test_same_person_merges_two_records_on_the_operators_word(shop: Shop) -> None:
    shop.execute("UPDATE customer SET email = 'ann@example.uk' WHERE id = 4")  # a duplicate
    with pytest.raises(AmbiguousIdentity, match="held by 1 other record"):
        shop.find(("email", "ann@example.uk"))
    same = Choices(same_person=frozenset({Identity("email", "ann@example.uk")}))
    got = shop.find(("email", "ann@example.uk"), choices=same)
    assert got.rows["shop.customer"] and {r["id"] for r in got.rows["shop.customer"]} == {1, 4}


def test_a_bill_sent_to_a_relative_stops_both_requests(shop: Shop) -> None:
    shop.execute("UPDATE bill SET sent_to = 'bob@example.uk' WHERE id = 1")  # Ann's bill
    before = shop.rows()
    # Ann's request meets Bob's email on her bill, which finds Bob's own record.
    with pytest.raises(AmbiguousIdentity, match=r"found on shop\.bill\.sent_to"):
        shop.erase(("email", "ann@example.uk"))
    # Bob's request finds Ann's bill by his email: a row that belongs to someone else.
    with pytest.raises(AmbiguousIdentity, match="belong to someone else"):
        shop.erase(("email", "bob@example.uk"))
    assert shop.rows() == before
    # The operator says the address on the bill is not Bob's to claim: his erasure goes on
    # without Ann's bill.
    ignore = Choices(ignore=frozenset({Identity("email", "bob@example.uk")}))
    shop.erase(("email", "bob@example.uk"), choices=ignore)
    after = shop.rows()
    assert after["bill"][1] == before["bill"][1] and 2 not in after["bill"]
    assert after["customer"][2][1:4] == (None, None, None)
    assert after["customer"][1] == before["customer"][1]


def test_a_wrong_declaration_stops_at_the_blast_radius(shop: Shop) -> None:
    # Declared by mistake: a rental "owns" the staff member who served it.
    text = YAML.replace(
        "staff_id: {references: staff.id, reach: context}",
        "staff_id: {references: staff.id, reach: owns}",
    )
    (shop.folder / "pledge.yaml").write_text(text, encoding="utf-8")
    shop.loaded = load_file(shop.folder / "pledge.yaml")
    before = shop.rows()
    with pytest.raises(BlastRadius) as stop:
        shop.erase(("email", "ann@example.uk"))
    assert shop.rows() == before
    assert (stop.value.dataset, stop.value.count) == ("shop.staff", 2)
    assert stop.value.path[-1] == "shop.staff (through staff.id)"
    assert "shop.rental" in " ".join(stop.value.path)
    # pledge check says so before anything runs.
    assert any("a dataset of people" in w.message for w in shop.loaded.warnings)


def test_the_cli_stops_records_the_choice_and_goes_on(shop: Shop) -> None:
    shop.execute("UPDATE customer SET phone = '01482 000001' WHERE id = 2")
    runner = CliRunner()
    env = {
        "PLEDGE_CONFIG": str(shop.folder / "pledge.yaml"),
        "PLEDGE_HASH_KEY": TEST_HASH_KEY,
        "PLEDGE_DATABASE_URL": shop.settings.database_url,
    }
    before = shop.rows()
    stopped = runner.invoke(pledge, ["erase", "--email", "ann@example.uk", "--yes"], env=env)
    assert stopped.exit_code == 1 and "stopped as ambiguous" in stopped.output
    assert shop.rows() == before
    choice = ["--ignore-value", "phone:01482 000001"]
    done = runner.invoke(pledge, ["erase", "--email", "ann@example.uk", "--yes", *choice], env=env)
    assert done.exit_code == 0, done.output
    assert "Operator's choices about shared values" in done.output
    engine = make_engine(shop.settings)
    with engine.connect() as connection:
        actions = connection.execute(sa.select(AuditEvent.action, AuditEvent.details)).all()
    engine.dispose()
    assert any(a == "erasure.stopped" for a, _ in actions)
    bad = runner.invoke(
        pledge, ["erase", "--email", "a@b.uk", "--yes", "--same-person", "x"], env=env
    )
    assert bad.exit_code == 2 and "KIND:VALUE" in bad.output


def test_a_queued_batch_fails_only_the_request_that_must_stop(shop: Shop) -> None:
    shop.execute("UPDATE customer SET phone = '01482 000001' WHERE id = 2")
    stops: dict[int, str] = {}
    paths = access_many(
        shop.loaded,
        [parse([("email", "ann@example.uk")]), parse([("email", "di@example.uk")])],
        environ={},
        out=shop.folder / "answers",
        workers=0,
        stopped=lambda index, why: stops.__setitem__(index, str(why)),
    )
    assert list(stops) == [0] and "stopped as ambiguous" in stops[0]
    assert [p.name for p in paths] == ["access-2.zip"]
    with zipfile.ZipFile(paths[0]) as archive:
        data = json.loads(archive.read("data.json"))
    assert [c["id"] for c in data["systems"]["shop"]["customer"]] == [4]
    assert [s["name"] for s in data["systems"]["shop"]["store"]] == ["York"]
    assert not (shop.folder / "answers" / "access-1.zip").exists()


def test_rectifying_a_shared_row_is_refused_and_an_own_row_corrected(shop: Shop) -> None:
    before = shop.rows()
    with pytest.raises(RectificationRefused, match="shared with other people"):
        rectify(
            shop.loaded,
            parse([("email", "ann@example.uk")]),
            {"shop.address.line1": "9 New Street"},
            settings=shop.settings,
        )
    assert shop.rows() == before
    rectify(
        shop.loaded,
        parse([("email", "di@example.uk")]),
        {"shop.address.line1": "3 Far Lane North"},
        settings=shop.settings,
    )
    assert changed(before, shop.rows()) == {"address:3"}


def test_a_row_the_database_would_not_delete_fails_the_erasure_and_is_not_counted(
    shop: Shop,
) -> None:
    # A bill with no customer, found only by the address it was sent to, stored in capitals;
    # a trigger (as a real system might have) silently keeps it.
    shop.execute("INSERT INTO bill VALUES (4, NULL, 'ANN@EXAMPLE.UK', 7)")
    shop.execute(
        "CREATE TRIGGER keep_bill BEFORE DELETE ON bill WHEN old.id = 4 "
        "BEGIN SELECT RAISE(IGNORE); END"
    )
    with pytest.raises(ErasureIncomplete) as failed:
        shop.erase(("email", "ann@example.uk"))
    result = failed.value.result
    assert not result.complete
    assert [(r.dataset, r.rows) for r in result.remaining] == [("bill", 1)]
    (bills,) = [d for s in result.systems for d in s.datasets if d.dataset == "bill"]
    assert (bills.found, bills.erased) == (2, 1)  # what the DELETE did, not what was planned


def test_a_row_another_persons_record_points_at_is_kept_not_deleted(shop: Shop) -> None:
    # Bob's payment... here a call of Di's that names Ann's rental (a context reference).
    shop.execute("ALTER TABLE call ADD COLUMN rental_id INTEGER")
    shop.execute("UPDATE call SET rental_id = 1 WHERE id = 3")
    text = YAML.replace(
        "          called: {mention: phone",
        "          rental_id: {references: rental.id, reach: context}\n"
        "          called: {mention: phone",
    )
    (shop.folder / "pledge.yaml").write_text(text, encoding="utf-8")
    shop.loaded = load_file(shop.folder / "pledge.yaml")
    before = shop.rows()
    result = shop.erase(("email", "ann@example.uk"))
    after = shop.rows()
    assert after["rental"][1] == before["rental"][1]  # Di's call still points at it
    assert 2 not in after["rental"]
    (rentals,) = [d for s in result.systems for d in s.datasets if d.dataset == "rental"]
    (kept,) = rentals.kept
    assert (kept.rule, kept.rows) == ("referred", 1)
    assert "referred to by 1 other record(s) (shop.call.rental_id)" in kept.reason
    assert kept.restricted_by == "not restricted: shared"
    assert result.complete
