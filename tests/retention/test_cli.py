"""``pledge retention`` end to end through the real entry point, on SQLite files."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pledge.cli import main
from tests.retention import world


@pytest.fixture
def company(tmp_path: Path) -> Path:
    """A folder with pledge.yaml (a relative SQLite connection), the data, and a migrated store."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'company.sqlite'}")
    world.build(engine)
    engine.dispose()
    (tmp_path / "pledge.yaml").write_text(world.DECLARATION.format(url="sqlite:///company.sqlite"))
    code, out = pledge(tmp_path, "db", "upgrade")
    assert code == 0, out
    return tmp_path


def pledge(folder: Path, *args: str) -> tuple[int, str]:
    config = ["--config", str(folder / "pledge.yaml")]
    result = CliRunner().invoke(
        main, [*config, *args], env={"PLEDGE_DATABASE_URL": f"sqlite:///{folder / 'store.sqlite'}"}
    )
    return result.exit_code, result.output


def test_plan_run_history_and_check(company: Path) -> None:
    code, out = pledge(company, "retention", "check")
    assert code == 1 and "overdue: rule 'cdr-12-months'" in out
    code, out = pledge(company, "retention", "plan")
    assert code == 0 and "cdr-12-months [expire] net.cdr" in out and "would delete" in out
    code, out = pledge(company, "retention", "run", "--batch-size", "5", "--quiet")
    assert code == 0, out
    assert "run #1" in out and "complete" in out
    code, out = pledge(company, "retention", "plan", "--rule", "cdr-12-months")
    assert "would delete 0 row(s)" in out
    code, out = pledge(company, "retention", "history")
    assert code == 0 and "run #1" in out and "cdr-12-months expire on net.cdr: delete" in out
    code, out = pledge(company, "retention", "check")
    assert code == 0, out


def test_holds_are_placed_listed_respected_and_released(company: Path) -> None:
    code, out = pledge(
        company,
        "retention",
        "hold",
        "add",
        "--subject",
        "customer_id=3",
        "--reason",
        "billing dispute 88",
        "--by",
        "dpo@test.example",
    )
    assert code == 0 and "placed hold #1 on customer_id=3" in out
    code, out = pledge(
        company,
        "retention",
        "hold",
        "add",
        "--dataset",
        "net.employee",
        "--reason",
        "tribunal",
        "--by",
        "hr@test.example",
        "--until",
        "2099-01-01",
    )
    assert code == 0, out
    code, out = pledge(company, "retention", "hold", "list")
    assert "billing dispute 88" in out and "until 2099-01-01" in out
    code, out = pledge(company, "retention", "plan")
    assert "held back" in out and "hold #2 on dataset net.employee" in out
    pledge(company, "retention", "run", "--quiet")
    engine = sa.create_engine(f"sqlite:///{company / 'company.sqlite'}")
    with engine.connect() as connection:
        held = connection.execute(
            sa.select(sa.func.count()).where(world.cdr.c.customer_id == 3)
        ).scalar_one()
        named = connection.execute(
            sa.select(sa.func.count()).where(world.employee.c.name.is_not(None))
        ).scalar_one()
    engine.dispose()
    assert held == world.CALLS // 5 and named == world.EMPLOYEES
    code, out = pledge(company, "retention", "hold", "release", "1", "--by", "dpo@test.example")
    assert code == 0 and "released hold #1" in out
    code, out = pledge(company, "retention", "hold", "release", "1", "--by", "dpo@test.example")
    assert code == 1 and "already released" in out
    code, out = pledge(company, "retention", "hold", "list", "--all")
    assert "hold #1" in out
    store = sa.create_engine(f"sqlite:///{company / 'store.sqlite'}")
    with store.connect() as connection:
        actions = connection.execute(
            sa.text("SELECT action FROM audit_event ORDER BY id")
        ).scalars()
        logged = list(actions)
    store.dispose()
    assert logged.count("retention.hold.placed") == 2
    assert "retention.hold.released" in logged and "retention.run" in logged


def test_bad_input_is_refused_plainly(company: Path) -> None:
    code, out = pledge(company, "retention", "run", "--rule", "cdr-12-month")
    assert code == 2 and "no retention rule 'cdr-12-month'" in out
    code, out = pledge(
        company, "retention", "hold", "add", "--dataset", "net.nope", "--reason", "x", "--by", "me"
    )
    assert code == 2 and "net.nope is not a declared dataset" in out
    code, out = pledge(
        company,
        "retention",
        "hold",
        "add",
        "--subject",
        "customer_id=1",
        "--dataset",
        "net.cdr",
        "--reason",
        "x",
        "--by",
        "me",
    )
    assert code == 1 and "not both" in out
    code, out = pledge(company, "retention", "run", "--every", "soon")
    assert code == 2 and "12h, 1d, 1w" in out


class Stop(Exception):
    """Ends the --every loop where it would sleep."""


def test_every_runs_then_waits_for_the_next_period(
    company: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise Stop

    monkeypatch.setattr("pledge.retention.cli.time.sleep", sleep)
    result = CliRunner().invoke(
        main,
        ["--config", str(company / "pledge.yaml"), "retention", "run", "--every", "12h", "--quiet"],
        env={"PLEDGE_DATABASE_URL": f"sqlite:///{company / 'store.sqlite'}"},
    )
    assert isinstance(result.exception, Stop)
    assert "run #1" in result.output and "complete" in result.output
    assert len(waits) == 1 and 12 * 3600 - 60 < waits[0] <= 12 * 3600


def test_subject_holds_match_however_the_value_is_written(company: Path) -> None:
    # Stored as +447700900074 and A38@Example.com; given as people write them.
    for subject in ("phone=07700 900074", "email=A38@Example.COM"):
        code, out = pledge(
            company, "retention", "hold", "add", "--subject", subject,
            "--reason", "complaint to the ombudsman", "--by", "dpo@test.example",
        )  # fmt: skip
        assert code == 0, out
    code, out = pledge(company, "retention", "hold", "list")
    assert "phone=+447700900074" in out and "email=a38@example.com" in out
    pledge(company, "retention", "run", "--quiet")
    engine = sa.create_engine(f"sqlite:///{company / 'company.sqlite'}")
    with engine.connect() as connection:
        calls = set(connection.execute(sa.select(world.cdr.c.id)).scalars())
        applicants = set(connection.execute(sa.select(world.applicant.c.id)).scalars())
    engine.dispose()
    assert 74 in calls and 75 not in calls
    assert 38 in applicants and 37 not in applicants
    code, out = pledge(
        company, "retention", "hold", "add", "--subject", "phone=12",
        "--reason", "x", "--by", "me",
    )  # fmt: skip
    assert code == 1 and "not a phone number" in out


def test_a_missing_sqlite_file_is_named_and_not_created(company: Path) -> None:
    (company / "company.sqlite").rename(company / "moved.sqlite")
    code, out = pledge(company, "retention", "run", "--quiet")
    assert code == 1 and "there is no SQLite file at" in out and "company.sqlite" in out
    assert not (company / "company.sqlite").exists()
