"""Access on the Northwold demo estate, on SQLite and on PostgreSQL and MariaDB: the package
holds exactly the subject's rows, checked against SQL written by hand."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pledge.cli import main
from pledge.declaration import Loaded, load_file
from pledge.dsr import request_store as requests
from pledge.dsr import respond
from pledge.dsr.request import State
from pledge.settings import Settings
from pledge.store import make_engine, upgrade

NOW = datetime(2026, 2, 14, 9, 0, tzinfo=UTC)
#: dataset → (its key, SQL for the subject's keys), written by hand: :c is the customer id,
#: :accounts their account numbers (read from the CRM first: systems may be on other engines).
EXPECTED = {
    "crm.customer": ("id", "SELECT id FROM customer WHERE id = :c"),
    "crm.address": ("id", "SELECT id FROM address WHERE customer_id = :c"),
    "crm.account": ("number", "SELECT number FROM account WHERE customer_id = :c"),
    "billing.invoice": ("number", "SELECT number FROM invoice WHERE account_number IN :accounts"),
    "network.call_record": ("id", "SELECT id FROM call_record WHERE account_number IN :accounts"),
    "billing.payment": ("id", "SELECT id FROM payment WHERE account_number IN :accounts"),
}
ENGINES = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


def _estate(engine: str, request: pytest.FixtureRequest, folder: Path) -> tuple[Loaded, Settings]:
    """A small demo estate made by ``pledge demo generate``, the way a person makes one."""
    target: list[str] = []
    if engine != "sqlite":
        target = ["--target", f"{engine}={request.getfixturevalue(f'{engine}_url')}"]
    out = folder / "northwold"
    size = ["--customers", "40", "--seed", "7", "--as-of", "2026-02-14"]
    made = CliRunner().invoke(main, ["demo", "generate", *size, "--out", str(out), *target])
    assert made.exit_code == 0, made.output
    loaded = load_file(out / "pledge.yaml")
    # Server systems are declared as env:VARIABLE; each points at the test's database.
    environ = {
        system.connection.removeprefix("env:"): target[1].split("=", 1)[1]
        for system in loaded.declaration.systems.values()
        if system.connection.startswith("env:")
    }
    store = Settings(database_url=f"sqlite:///{folder / 'store.sqlite'}", environ=environ)
    return loaded, store


def _url(loaded: Loaded, settings: Settings, system: str) -> str:
    connection = loaded.declaration.systems[system].connection
    if connection.startswith("env:"):
        return settings.environ[connection.removeprefix("env:")]
    return f"sqlite:///{loaded.folder / connection.removeprefix('sqlite:///')}"


def _direct(url: str, sql: str, **params: Any) -> set[Any]:
    query = sa.text(sql)
    if ":accounts" in sql:
        query = query.bindparams(sa.bindparam("accounts", expanding=True))
    engine = sa.create_engine(url)
    try:
        with engine.connect() as db:
            used = {k: v for k, v in params.items() if f":{k}" in sql}
            return {row[0] for row in db.execute(query, used)}
    finally:
        engine.dispose()


@pytest.mark.parametrize("engine", ENGINES)
def test_the_package_holds_exactly_the_subjects_rows(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    loaded, settings = _estate(engine, request, tmp_path)
    crm = _url(loaded, settings, "crm")
    reader = sa.create_engine(crm)
    with reader.connect() as db:
        customer, email = db.execute(
            sa.text("SELECT id, email FROM customer ORDER BY id LIMIT 1 OFFSET 3")
        ).one()
    reader.dispose()
    accounts = sorted(_direct(crm, EXPECTED["crm.account"][1], c=customer))

    upgrade(settings)
    store = make_engine(settings)
    try:
        logged = requests.open_request(
            store,
            kind="access",
            identities={"email": [email.upper()]},
            rights=loaded.declaration.rights.model_copy(update={"verification": {}}),
            received_on=date(2026, 2, 14),
            actor="test",
        )
        outcome = respond.answer(
            store, logged.id, loaded=loaded, settings=settings, out=tmp_path, actor="test", now=NOW
        )
    finally:
        store.dispose()
    assert outcome.request.state is State.COMPLETE and outcome.package is not None
    with zipfile.ZipFile(outcome.package) as archive:
        data = json.loads(archive.read("data.json"))
        names = set(archive.namelist())
        csvs = {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode())))
            for name in names
            if name.endswith(".csv")
        }
        report = archive.read("report.html").decode()
    for dotted, (key, sql) in EXPECTED.items():
        system, dataset = dotted.split(".")
        expected = _direct(_url(loaded, settings, system), sql, c=customer, accounts=accounts)
        rows = data["systems"][system][dataset]
        assert {r[key] for r in rows} == expected, dotted
        assert len(rows) == len(expected), dotted  # each row once
        if expected:
            assert {str(r[key]) for r in csvs[f"{dotted}.csv"]} == {str(k) for k in expected}
    assert outcome.counts["network.call_record"] > 0
    assert "Northwold Telecom Ltd" in report and "ico.org.uk" in report
