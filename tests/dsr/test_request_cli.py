"""``pledge request`` and ``pledge access`` through the real command line, on SQLite files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pledge.cli import main
from tests.dsr.declarations import ACCESS_YAML
from tests.dsr.estate import build


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "pledge.yaml").write_text(ACCESS_YAML)
    return tmp_path


def runner(folder: Path) -> CliRunner:
    env = {
        **build(folder),
        "PLEDGE_CONFIG": str(folder / "pledge.yaml"),
        "PLEDGE_DATABASE_URL": f"sqlite:///{folder / 'store.sqlite'}",
        "PLEDGE_ACTOR": "dpo@northwold.example",
    }
    return CliRunner(env=env)


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(main, list(args))
    return result.exit_code, result.output


def test_a_request_from_logging_to_package(folder: Path) -> None:
    cli = runner(folder)
    code, output = run(cli, "request", "list")
    assert code == 1 and "run `pledge db upgrade`" in output
    assert run(cli, "db", "upgrade")[0] == 0

    code, output = run(
        cli,
        "request",
        "new",
        "--type",
        "access",
        "--email",
        " ADA@example.org",
        "--received",
        "2026-01-30",
    )
    assert code == 0, output
    assert "request 1 logged: access, awaiting verification" in output
    assert "pledge request verify 1" in output

    code, output = run(cli, "request", "run", "1")
    assert code == 1 and "awaiting verification" in output

    code, output = run(cli, "request", "verify", "1", "--on", "2026-01-31")
    assert code == 1 and "email-code" in output and "--override-reason" in output, output
    code, output = run(
        cli,
        "request",
        "verify",
        "1",
        "--on",
        "2026-01-31",
        "--how",
        "called back on the number on file",
        "--override-reason",
        "no access to that email any more",
    )
    assert code == 0, output
    assert "due 02 March 2026" in output

    code, output = run(
        cli, "request", "pause", "1", "--reason", "which account?", "--on", "2026-02-02"
    )
    assert code == 0, output
    code, output = run(cli, "request", "resume", "1", "--on", "2026-02-04")
    assert code == 0 and "due 02 March 2026" in output  # 28 Feb plus two paused days
    code, output = run(
        cli, "request", "extend", "1", "--reason", "many systems", "--told-on", "2026-02-05"
    )
    # 30 April plus two paused days is Saturday 2 May; Monday 4 May is a bank holiday.
    assert code == 0 and "due 05 May 2026" in output, output

    out = folder / "answers"
    code, output = run(cli, "request", "run", "1", "--out", str(out))
    assert code == 0, output
    package = Path(output.strip().splitlines()[-1])
    assert package.parent == out and package.is_file()
    assert "crm.customer: 1 record(s)" in output
    with zipfile.ZipFile(package) as archive:
        assert {"data.json", "report.html", "crm.customer.csv"} <= set(archive.namelist())

    code, output = run(cli, "request", "show", "1")
    assert code == 0, output
    for text in [
        "access, complete",
        "email ada@example.org",
        "which account?",
        "many systems",
        "verified     by dpo@northwold.example: called back on the number on file",
        "override     declared email-code not met; reason: no access to that email any more",
    ]:
        assert text in output, text
    history = [line.split()[3] for line in output.split("history")[1].strip().splitlines()]
    assert history == [  # every move and clock change is in the audit log
        "received",
        "awaiting-verification",
        "in-progress",
        "paused",
        "resumed",
        "extended",
        "complete",
    ]

    assert "no requests" in run(cli, "request", "list")[1]
    assert "complete" in run(cli, "request", "list", "--all")[1]


def test_bad_input_gets_one_clear_line(folder: Path) -> None:
    cli = runner(folder)
    run(cli, "db", "upgrade")
    code, output = run(cli, "request", "new", "--type", "access", "--email", "not-an-email")
    assert code == 2 and "is not an email address" in output
    code, output = run(cli, "request", "new", "--type", "access")
    assert code == 2 and "say who the request is about" in output
    code, output = run(cli, "request", "show", "7")
    assert code == 1 and "there is no request 7" in output
    run(cli, "request", "new", "--type", "access", "--email", "ada@example.org")
    code, output = run(cli, "request", "pause", "1", "--reason", "x")
    assert code == 1 and "clock has not started" in output


def test_one_shot_access_encrypted(folder: Path) -> None:
    pyzipper = pytest.importorskip("pyzipper")
    cli = runner(folder)
    secret = folder / "passphrase.txt"
    secret.write_text("tide and time\n")
    code, output = run(
        cli,
        "access",
        "--email",
        "ada@example.org",
        "--passphrase-file",
        str(secret),
        "--out",
        str(folder),
    )
    assert code == 0, output
    package = Path(output.strip().splitlines()[-1])
    with pyzipper.AESZipFile(package) as archive:
        archive.setpassword(b"tide and time")
        assert b"Ada Lovelace" in archive.read("crm.customer.csv")


def test_a_system_that_is_down_fails_loudly(folder: Path) -> None:
    cli = runner(folder)
    (folder / "network.sqlite").unlink()
    code, output = run(cli, "access", "--email", "ada@example.org", "--out", str(folder))
    assert code == 1
    assert "request 1 failed: system 'network' could not be reached" in output
    code, output = run(cli, "request", "show", "1")
    assert "access, failed" in output and "system 'network'" in output
    # The one-shot checks no identity: the request says so, as an override.
    assert "verified     by dpo@northwold.example: no identity check" in output
    assert "override     declared email-code not met; reason: `pledge access`" in output
    assert not list(folder.glob("*.zip*"))


def test_overdue_requests_are_listed_first_and_alone_with_overdue(folder: Path) -> None:
    cli = runner(folder)
    run(cli, "db", "upgrade")
    # Erasure needs no identity check in this declaration: its clock starts on receipt.
    run(cli, "request", "new", "--type", "erasure", "--email", "a@example.org")
    run(
        cli,
        "request",
        "new",
        "--type",
        "erasure",
        "--email",
        "b@example.org",
        "--received",
        "2020-01-06",
    )
    code, output = run(cli, "request", "list")
    assert code == 0, output
    rows = output.strip().splitlines()[1:]
    assert rows[0].split()[0] == "2" and "OVERDUE since 06 Feb 2020" in rows[0]
    assert rows[1].split()[0] == "1" and "day(s) left" in rows[1]
    code, output = run(cli, "request", "list", "--overdue")
    assert [line.split()[0] for line in output.strip().splitlines()[1:]] == ["2"]
