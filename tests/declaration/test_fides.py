"""``pledge import fides``: Fides datasets in, a declaration out that ``pledge check`` accepts,
with reach taken from Fides' directions, and bad input refused at file:line with nothing
written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pledge.cli import main
from pledge.declaration import DeclarationInvalid, load_text
from pledge.declaration.fides import FidesFile, FidesInvalid, Imported, convert
from pledge.declaration.model import Declaration
from pledge.declaration.reach import resolve

SHOP = Path(__file__).parent / "fides" / "shop.yml"


def shop(**controller: str) -> Imported:
    return convert(
        [FidesFile("shop.yml", SHOP.read_text(encoding="utf-8"))],
        controller_name=controller.get("name"),
        controller_address=controller.get("address"),
    )


def line_of(text: str, needle: str, after: str | None = None) -> int:
    """The 1-based line of the first ``needle`` (after the line holding ``after``)."""
    lines = text.splitlines()
    start = 0 if after is None else next(i for i, x in enumerate(lines) if after in x)
    return next(i for i, x in enumerate(lines) if i >= start and needle in x) + 1


def fields_of(declaration: Declaration, dotted: str) -> dict[str, dict[str, object]]:
    system, _, dataset = dotted.partition(".")
    found = declaration.systems[system].datasets[dataset].fields
    return {name: spec.model_dump(exclude_defaults=True) for name, spec in found.items()}


def one(text: str, name: str = "f.yml") -> Imported:
    return convert([FidesFile(name, text)], controller_name="X Ltd", controller_address="1 Road")


def refused(text: str, name: str = "f.yml") -> FidesInvalid:
    with pytest.raises(FidesInvalid) as caught:
        one(text, name)
    return caught.value


CUSTOMER = """\
dataset:
  - fides_key: crm
    collections:
      - name: customer
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email}
"""


def test_the_shop_becomes_a_declaration_pledge_check_accepts_as_it_stands() -> None:
    imported = shop(name="Shop Ltd", address="1 High Street, York")
    assert imported.problems == []  # no error and no warning from pledge check
    loaded = load_text(imported.text, "pledge.yaml")
    assert loaded.warnings == []
    declaration = loaded.declaration
    assert declaration.controller.name == "Shop Ltd"
    system = declaration.systems["shop_postgres"]
    assert system.connection == "env:SHOP_POSTGRES_URL"
    assert system.description == "The web shop's customers, orders and staff"
    assert list(system.datasets) == [
        "address",
        "customer",
        "employee",
        "login",
        "orders",
        "order_item",
        "payment_card",
        "product",
        "review",
    ]
    assert (imported.systems, imported.datasets) == (1, 9)


def test_fides_directions_become_reach_and_no_direction_leaves_it_to_pledge() -> None:
    declaration = load_text(shop(name="S", address="A").text).declaration
    # direction: from on F referring to G: F's rows are found from G's, they belong to it.
    assert fields_of(declaration, "shop_postgres.login")["customer_id"] == {
        "references": "customer.id",
        "reach": "belongs-to",
        "categories": ["user.unique_id"],
    }
    assert fields_of(declaration, "shop_postgres.orders")["customer_id"]["reach"] == "belongs-to"
    assert fields_of(declaration, "shop_postgres.order_item")["order_id"]["reach"] == "belongs-to"
    # direction: to: F's value finds G's rows, which are F's person's (their own address).
    assert fields_of(declaration, "shop_postgres.customer")["address_id"] == {
        "references": "address.id",
        "reach": "owns",
    }
    assert fields_of(declaration, "shop_postgres.orders")["shipping_address_id"]["reach"] == "owns"
    assert fields_of(declaration, "shop_postgres.payment_card")["billing_address_id"] == {
        "references": "address.id",
        "reach": "owns",
    }
    # A direction into the product list (no personal data) owns nothing: context.
    assert fields_of(declaration, "shop_postgres.order_item")["product_id"]["reach"] == "context"
    # No direction: nothing declared, and Pledge's default reads it as the only owner.
    assert fields_of(declaration, "shop_postgres.review")["customer_id"] == {
        "references": "customer.id"
    }
    reach = resolve(declaration.systems)
    link = next(k for k in reach.links if k.label == "shop_postgres.review.customer_id")
    assert (link.reach, link.declared) == ("belongs-to", False)
    assert reach.about["shop_postgres.customer"] == "people"
    assert reach.about["shop_postgres.employee"] == "owned"  # nothing is found from it
    assert reach.about["shop_postgres.product"] == "context"


def test_categories_identities_keys_and_nested_fields_are_mapped() -> None:
    declaration = load_text(shop(name="S", address="A").text).declaration
    customer = fields_of(declaration, "shop_postgres.customer")
    assert customer["id"] == {"primary_key": True, "categories": ["user.unique_id"]}
    assert customer["email"] == {"identity": "email", "categories": ["user.contact.email"]}
    assert customer["phone"] == {"identity": "phone", "categories": ["user.contact.phone_number"]}
    assert customer["created"] == {}  # system.operations: about the system, not a person
    assert fields_of(declaration, "shop_postgres.product") == {
        "id": {"primary_key": True},
        "name": {},
        "price": {},
    }
    gift = fields_of(declaration, "shop_postgres.orders")["gift_note"]
    assert gift == {
        "categories": ["user.content"],
        "erase": "keep",  # Fides' read_only: never changed
        "description": "What the buyer wrote on the gift card, kept as the customer typed it",
    }
    # Nested fields fold into their column, with their categories, and no identity.
    assert fields_of(declaration, "shop_postgres.review")["author_profile"] == {
        "categories": ["user.name", "user.contact.email"],
        "description": "The reviewer's public profile, as a JSON document",
    }


def test_what_was_left_out_or_assumed_is_reported_at_its_line_in_the_fides_file() -> None:
    imported = shop()
    text = SHOP.read_text(encoding="utf-8")
    notes = {(n.place.line if n.place else 0, n.where): n.message for n in imported.notes}
    nested_email = line_of(text, "identity: email", after="name: contact")
    assert (
        "identity on a nested field is left out"
        in notes[(nested_email, "shop_postgres.review.author_profile.contact.email")]
    )
    product = line_of(text, "direction: to", after="name: product_id")
    assert "written as reach: context" in notes[(product, "shop_postgres.order_item.product_id")]
    customer = line_of(text, "- name: customer")
    assert "about: people" in notes[(customer, "shop_postgres.customer")]
    assert [n.severity for n in imported.notes] == ["warning"] * len(imported.notes)
    # The same notes head the written file, so the DPO reviewing it sees them too.
    assert "# What the import left out or assumed:" in imported.text
    assert f"#   shop.yml:{product}:" in imported.text


def test_the_controller_stub_is_refused_by_check_until_filled_in() -> None:
    imported = shop()
    assert "TODO" in imported.text
    assert imported.problems == []  # with a controller, nothing else is wrong
    with pytest.raises(DeclarationInvalid) as caught:
        load_text(imported.text, "pledge.yaml")
    stub = line_of(imported.text, "  name:")
    assert [(p.place.line if p.place else 0, p.where) for p in caught.value.problems] == [
        (stub, "controller.name"),
        (stub + 1, "controller.address"),
    ]
    filled = imported.text.replace(
        imported.text.splitlines()[stub - 1], "  name: Shop Ltd"
    ).replace(imported.text.splitlines()[stub], "  address: 1 High Street")
    assert load_text(filled).declaration.controller.name == "Shop Ltd"
    assert filled.count("\n") == imported.text.count("\n")


def test_unknown_categories_and_identities_are_reported_and_left_out() -> None:
    text = """\
dataset:
  - fides_key: Web.Analytics
    collections:
      - name: visitor
        data_categories: [user.device]
        fides_meta: {skip_processing: true}
        fields:
          - name: ga
            data_categories: [user.device.cookie_id]
            fides_meta: {identity: ga_client_id}
          - name: uid
            data_categories: [user.unique_idd]
            fides_meta: {identity: user_id}
          - name: ref
            data_categories: [user.unique_id]
            fides_meta: {identity: loyalty_card, masking_strategy_override: {strategy: x}}
          - name: legacy
            fidesops_meta: {identity: email}
            colour: blue
"""
    imported = one(text)
    notes: dict[int, str] = {}
    for note in imported.notes:
        line = note.place.line if note.place else 0
        notes[line] = f"{notes.get(line, '')} {note.message}"
    assert "becomes system web_analytics" in notes[2]
    assert "categories for the whole collection (user.device)" in notes[5]
    assert "skip_processing" in notes[6]
    assert "'user.unique_idd' is not a data category" in notes[12]
    assert "did you mean user.unique_id?" in notes[12]
    assert "user_id becomes customer_id" in notes[13]
    assert "loyalty_card has no Pledge kind" in notes[16]
    assert "masking_strategy_override" in notes[16]
    assert "'colour' is not a key of a Fides field" in notes[19]
    visitor = fields_of(load_text(imported.text).declaration, "web_analytics.visitor")
    assert visitor == {
        "ga": {"identity": "cookie_id", "categories": ["user.device.cookie_id"]},
        "uid": {"identity": "customer_id"},
        "ref": {"categories": ["user.unique_id"]},
        "legacy": {"identity": "email"},  # older files' fidesops_meta, as Fides reads it
    }


def test_references_across_files_name_the_other_system() -> None:
    orders = """\
dataset:
  - fides_key: orders_db
    collections:
      - name: orders
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: customer_id
            fides_meta:
              references:
                - {dataset: crm, field: customer.id, direction: from}
                - {dataset: crm, field: customer.email, direction: from}
          - name: total
            data_categories: [user.financial]
"""
    imported = convert(
        [FidesFile("crm.yml", CUSTOMER), FidesFile("orders.yml", orders)],
        controller_name="X Ltd",
        controller_address="1 Road",
    )
    assert imported.problems == []
    declaration = load_text(imported.text).declaration
    assert fields_of(declaration, "orders_db.orders")["customer_id"] == {
        "references": "crm.customer.id",
        "reach": "belongs-to",
    }
    (note,) = [n for n in imported.notes if n.where == "orders_db.orders.customer_id"]
    assert note.place is not None and (note.place.file, note.place.line) == ("orders.yml", 12)
    assert "follows crm.customer.id and leaves out crm.customer.email" in note.message


def test_an_ambiguous_owner_is_written_and_left_for_pledge_check_to_refuse() -> None:
    # No direction on either reference: Pledge will not guess which one owns the row.
    text = (
        CUSTOMER
        + """\
      - name: agent
        fields:
          - name: id
            fides_meta: {primary_key: true, identity: employee_id}
      - name: call
        fields:
          - name: customer_id
            fides_meta:
              references: [{dataset: crm, field: customer.id}]
          - name: agent_id
            fides_meta:
              references: [{dataset: crm, field: agent.id}]
          - name: audio
            data_categories: [user.content]
"""
    )
    imported = one(text)
    (error,) = imported.errors
    assert "has 2 references that could say whose rows these are" in error.message
    assert error.place is not None and error.place.file == "pledge.yaml"
    assert error.place.line == line_of(imported.text, "agent_id:")
    assert "reach:" not in imported.text.split("call:")[1]


def test_not_yaml_is_refused_at_its_line() -> None:
    problem = refused("dataset:\n  - fides_key: x\n    collections: [\n", "bad.yml")
    assert problem.unreadable
    (only,) = problem.problems
    assert only.place is not None and only.place.file == "bad.yml" and only.place.line >= 3
    assert "not valid YAML" in only.message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("- a\n- b\n", 1, "not a Fides dataset file"),
        ("system:\n  - fides_key: x\n", 1, "has no 'dataset:' list (it has system)"),
        ("dataset: {fides_key: x}\n", 1, "should be a list of Fides datasets"),
        ("dataset:\n  - name: No key\n    collections: []\n", 2, "has no fides_key"),
        ("dataset:\n  - fides_key: x\n", 2, "should have a list of collections"),
        ("dataset:\n  - fides_key: x\n    fides_key: y\n", 3, "'fides_key' is written twice"),
        (
            "dataset:\n  - fides_key: x\n    collections:\n      - name: t\n        fields: 3\n",
            5,
            "should have a list of fields",
        ),
        (
            "dataset:\n  - fides_key: x\n    collections:\n      - name: t\n"
            "        fields: [{name: a}, {name: a}]\n",
            5,
            "the field is defined twice",
        ),
    ],
)
def test_files_that_are_not_fides_datasets_are_refused_at_their_line(
    text: str, line: int, words: str
) -> None:
    problem = refused(text)
    assert not problem.unreadable
    assert any(
        p.place is not None
        and (p.place.file, p.place.line) == ("f.yml", line)
        and words in p.message
        for p in problem.problems
    ), [str(p) for p in problem.problems]


@pytest.mark.parametrize(
    ("reference", "words"),
    [
        (
            "{dataset: crm, field: custmer.id, direction: from}",
            "has no collection custmer (did you mean customer?)",
        ),
        (
            "{dataset: crm, field: customer.idd, direction: from}",
            "has no field idd (did you mean id?)",
        ),
        (
            "{dataset: crn, field: customer.id}",
            "dataset crn, which is not in the files given (did you mean crm?)",
        ),
        ("{dataset: crm, field: customer}", "should name a collection and a field"),
        (
            "{dataset: crm, field: customer.id, direction: up}",
            "direction 'up' is neither from nor to",
        ),
        ("{field: customer.id}", "needs a dataset"),
    ],
)
def test_a_reference_to_nothing_is_refused_where_it_is_written(reference: str, words: str) -> None:
    text = (
        CUSTOMER
        + f"""\
      - name: login
        fields:
          - name: customer_id
            fides_meta:
              references:
                - {reference}
"""
    )
    problem = refused(text)
    (only,) = problem.problems
    assert only.place is not None and only.place.line == line_of(text, reference)
    assert only.where == "crm.login.customer_id"
    assert words in only.message


def test_every_problem_is_reported_at_once() -> None:
    text = (
        CUSTOMER + "      - name: bad\n        fields: [{name: a, fides_meta: {primary_key: 1}}]\n"
    )
    problem = refused(text + "      - name: customer\n        fields: [{name: x}]\n")
    messages = [p.message for p in problem.problems]
    assert any("primary_key should be true or false" in m for m in messages)
    assert any("the collection is defined twice" in m for m in messages)


# -- the command -----------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["import", "fides", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_command_writes_the_declaration_and_says_what_to_do_next(tmp_path: Path) -> None:
    out = tmp_path / "pledge.yaml"
    code, stdout, stderr = run(str(SHOP), "-o", str(out))
    assert code == 0, stderr
    assert stdout == ""
    assert f"{out}: 1 system(s), 9 dataset(s)" in stderr
    assert "written as reach: context" in stderr
    assert "fill in the controller" in stderr
    text = out.read_text(encoding="utf-8")
    assert text.split("pledge: 1\n")[1] == shop().text.split("pledge: 1\n")[1]
    checked = CliRunner().invoke(main, ["check", str(out)])
    assert checked.exit_code == 1  # until the controller is filled in
    assert "controller.name: 'name' should be text, not empty" in checked.stderr


def test_the_command_prints_to_stdout_and_takes_the_controller(tmp_path: Path) -> None:
    code, stdout, stderr = run(
        str(SHOP), "--controller-name", "Shop: Ltd", "--controller-address", "1 Road"
    )
    assert code == 0, stderr
    assert "fill in the controller" not in stderr
    declaration = load_text(stdout).declaration
    assert declaration.controller.name == "Shop: Ltd"


def test_the_command_never_overwrites_without_force(tmp_path: Path) -> None:
    out = tmp_path / "pledge.yaml"
    out.write_text("mine\n", encoding="utf-8")
    code, _, stderr = run(str(SHOP), "-o", str(out))
    assert code == 1
    assert "already exists; nothing was written" in stderr
    assert out.read_text(encoding="utf-8") == "mine\n"
    code, _, stderr = run(str(SHOP), "-o", str(out), "--force")
    assert code == 0, stderr
    assert out.read_text(encoding="utf-8").startswith("# Imported from Fides")
    assert [p.name for p in tmp_path.iterdir()] == ["pledge.yaml"]  # no temporary left


def test_bad_input_writes_nothing_and_says_where(tmp_path: Path) -> None:
    out = tmp_path / "pledge.yaml"
    bad = tmp_path / "bad.yml"
    bad.write_text(
        CUSTOMER + "      - name: x\n        fields:\n          - name: c\n"
        "            fides_meta: {references: [{dataset: crm, field: nope.id}]}\n",
        encoding="utf-8",
    )
    code, stdout, stderr = run(str(bad), "-o", str(out), "--force")
    assert code == 1
    assert f"{bad}:14:" in stderr and "has no collection nope" in stderr
    assert "nothing was written" in stderr
    assert not out.exists() and stdout == ""
    bad.write_text("dataset: [\n", encoding="utf-8")
    code, _, stderr = run(str(bad), "-o", str(out))
    assert code == 2 and "not valid YAML" in stderr and not out.exists()
    code, _, stderr = run(str(tmp_path / "missing.yml"), "-o", str(out))
    assert code == 2 and "no such file" in stderr and not out.exists()
