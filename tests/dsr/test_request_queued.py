"""``pledge request run --queued``: every confirmed access and portability request answered
together, each with exactly what its own ``pledge request run ID`` would have given."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from pledge.cli import main
from pledge.declaration import Loaded, load_text
from pledge.dsr import request_store as requests
from pledge.dsr import respond
from pledge.dsr.request import State
from pledge.dsr.respond_queued import answer_queued
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from tests.dsr.declarations import ACCESS_YAML
from tests.dsr.estate import build
from tests.dsr.test_access_files import YAML
from tests.fixtures.keys import TEST_HASH_KEY

NOW = datetime(2026, 2, 14, 9, 0, tzinfo=UTC)
DAY = date(2026, 1, 30)


@pytest.fixture
def estate(tmp_path: Path) -> Iterator[tuple[Engine, Loaded, Settings]]:
    environ = build(tmp_path)
    loaded = load_text(ACCESS_YAML)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.sqlite'}",
        environ=environ,
        hash_key=TEST_HASH_KEY,
    )
    upgrade(settings)
    engine = make_engine(settings)
    yield engine, loaded, settings
    engine.dispose()


def _log(engine: Engine, loaded: Loaded, kind: Any, email: str, *, confirm: bool) -> int:
    view = requests.open_request(
        engine,
        kind=kind,
        identities={"email": [email]},
        rights=loaded.declaration.rights,
        received_on=DAY,
        actor="dpo",
    )
    if confirm and view.state is State.AWAITING_VERIFICATION:
        requests.confirm_identity(
            engine,
            view.id,
            on=DAY,
            declared="email-code",
            passed=["email-code"],
            how="email-code (checked by Pledge)",
            actor="dpo",
        )
    return view.id


def _data(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        data: dict[str, Any] = json.loads(archive.read("data.json"))
    return data


@pytest.mark.parametrize("workers", [0, 1])
def test_queued_requests_get_what_their_own_run_gives(
    estate: tuple[Engine, Loaded, Settings], tmp_path: Path, workers: int
) -> None:
    engine, loaded, settings = estate
    ada = _log(engine, loaded, "access", "ada@example.org", confirm=True)
    grace = _log(engine, loaded, "access", "GRACE@example.org", confirm=True)
    other = _log(engine, loaded, "portability", "ada@example.org.uk", confirm=True)
    nobody = _log(engine, loaded, "access", "nobody@example.invalid", confirm=True)
    waiting = _log(engine, loaded, "access", "grace@example.org", confirm=False)
    erasure = _log(engine, loaded, "erasure", "grace@example.org", confirm=True)

    outcomes = answer_queued(
        engine,
        loaded=loaded,
        settings=settings,
        out=tmp_path / "out",
        actor="dpo",
        now=NOW,
        workers=workers,
    )

    assert [o.request.id for o in outcomes] == [ada, grace, other, nobody]
    assert requests.get(engine, waiting).state is State.AWAITING_VERIFICATION
    assert requests.get(engine, erasure).state is State.IN_PROGRESS
    for outcome in outcomes:
        view = requests.get(engine, outcome.request.id)
        assert view.state is State.COMPLETE
        assert outcome.package is not None and outcome.package.exists()
        assert view.outcome["package"] == str(outcome.package)
        assert view.outcome["rows"] == dict(outcome.counts)
        assert view.outcome["warnings"] == list(outcome.warnings)
        # The same person answered alone, as `pledge request run ID` does.
        alone_id = _log(engine, loaded, "portability", view.identities["email"][0], confirm=True)
        alone = respond.answer(
            engine, alone_id, loaded=loaded, settings=settings, out=tmp_path / "alone", actor="dpo"
        )
        assert alone.package is not None
        assert _data(outcome.package)["systems"] == _data(alone.package)["systems"]
        assert dict(outcome.counts) == dict(alone.counts)
        assert list(outcome.warnings) == list(alone.warnings)
    counts = {o.request.id: sum(o.counts.values()) for o in outcomes}
    assert counts == {ada: 4, grace: 4, other: 4, nobody: 0}
    assert requests.get(engine, ada).message == "answered: 4 record(s) in 2 dataset(s)"


def test_a_failing_system_fails_the_whole_batch(
    estate: tuple[Engine, Loaded, Settings], tmp_path: Path
) -> None:
    engine, loaded, settings = estate
    ids = [
        _log(engine, loaded, "access", email, confirm=True)
        for email in ("ada@example.org", "grace@example.org")
    ]
    (tmp_path / "network.sqlite").unlink()
    with pytest.raises(Exception, match="network"):
        answer_queued(
            engine, loaded=loaded, settings=settings, out=tmp_path / "out", actor="dpo", workers=0
        )
    for request_id in ids:
        view = requests.get(engine, request_id)
        assert view.state is State.FAILED
        assert "network" in (view.message or "")
        assert view.outcome == {"failed_system": "network"}
    assert not list(tmp_path.glob("out/*.zip*"))


def test_the_files_the_rows_name_are_packaged_as_alone(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "cc.sqlite") as cc:
        cc.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT)")
        cc.execute(
            "CREATE TABLE call_recording (id INTEGER PRIMARY KEY, customer_id INTEGER, "
            "file_path TEXT)"
        )
        cc.executemany("INSERT INTO customer VALUES (?, ?)", [(1, "a@x.uk"), (2, "b@x.uk")])
        cc.executemany(
            "INSERT INTO call_recording VALUES (?, ?, ?)",
            [(10, 1, "2026/01/call-10.wav"), (11, 1, "2026/01/gone.wav"), (20, 2, "call-20.wav")],
        )
    for name in ("2026/01/call-10.wav", "call-20.wav"):
        path = tmp_path / "recordings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"RIFF" + name.encode())
    loaded = load_text(YAML)
    loaded.path = tmp_path / "pledge.yaml"
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade(settings)
    engine = make_engine(settings)
    try:
        for email in ("a@x.uk", "b@x.uk"):
            _log(engine, loaded, "access", email, confirm=True)
        together = answer_queued(
            engine, loaded=loaded, settings=settings, out=tmp_path / "out", actor="dpo", workers=1
        )
        for outcome in together:
            email = outcome.request.identities["email"][0]
            alone_id = _log(engine, loaded, "portability", email, confirm=True)
            alone = respond.answer(
                engine, alone_id, loaded=loaded, settings=settings, out=tmp_path, actor="dpo"
            )
            assert outcome.package is not None and alone.package is not None
            with zipfile.ZipFile(outcome.package) as one, zipfile.ZipFile(alone.package) as two:
                files = sorted(n for n in one.namelist() if n.startswith("files/"))
                assert files == sorted(n for n in two.namelist() if n.startswith("files/"))
                assert files and all(one.read(n) == two.read(n) for n in files)
                assert (
                    json.loads(one.read("data.json"))["files"]
                    == (json.loads(two.read("data.json"))["files"])
                )
    finally:
        engine.dispose()


def _cli(folder: Path) -> CliRunner:
    (folder / "pledge.yaml").write_text(ACCESS_YAML)
    env = {
        **build(folder),
        "PLEDGE_CONFIG": str(folder / "pledge.yaml"),
        "PLEDGE_DATABASE_URL": f"sqlite:///{folder / 'store.sqlite'}",
        "PLEDGE_ACTOR": "dpo@northwold.example",
    }
    return CliRunner(env=env)


def _run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(main, list(args))
    return result.exit_code, result.output


def test_the_command_line(tmp_path: Path) -> None:
    cli = _cli(tmp_path)
    assert _run(cli, "db", "upgrade")[0] == 0
    for kind, email in [("portability", "ada@example.org"), ("portability", "grace@example.org")]:
        assert _run(cli, "request", "new", "--type", kind, "--email", email)[0] == 0
    assert _run(cli, "request", "new", "--type", "access", "--email", "ada@example.org")[0] == 0

    code, output = _run(cli, "request", "run")
    assert code == 2 and "--queued" in output
    code, output = _run(cli, "request", "run", "1", "--queued")
    assert code == 2 and "not both" in output

    code, output = _run(cli, "request", "run", "--queued", "--out", str(tmp_path / "out"))
    assert code == 0, output
    assert "request 1: portability, complete, 4 record(s)" in output
    assert "request 2: portability, complete, 4 record(s)" in output
    assert "2 request(s) answered" in output
    code, output = _run(cli, "request", "show", "3")
    assert "awaiting verification" in output


def test_the_command_line_fails_loudly(tmp_path: Path) -> None:
    cli = _cli(tmp_path)
    assert _run(cli, "db", "upgrade")[0] == 0
    for email in ("ada@example.org", "grace@example.org"):
        assert _run(cli, "request", "new", "--type", "portability", "--email", email)[0] == 0
    (tmp_path / "network.sqlite").unlink()
    code, output = _run(cli, "request", "run", "--queued", "--out", str(tmp_path / "out"))
    assert code == 1
    assert "request(s) 1, 2 failed" in output and "network" in output
    for request_id in ("1", "2"):
        assert "failed" in _run(cli, "request", "show", request_id)[1]
