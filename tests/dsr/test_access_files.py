"""An access package carries the files the person's rows name, and says which are missing."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

from pledge.declaration import load_text
from pledge.dsr import request_store as requests
from pledge.dsr import respond
from pledge.dsr.request import State
from pledge.settings import Settings
from pledge.store import make_engine, upgrade

YAML = """\
controller: {name: Northwold Telecom Ltd, address: "1 Quay Street, Hull HU1 1AA"}
systems:
  cc:
    connection: "sqlite:///cc.sqlite"
    datasets:
      customer:
        fields:
          id: {primary_key: true, identity: customer_id}
          email: {categories: [user.contact.email], identity: email}
      call_recording:
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id}
          file_path: {categories: [telecom.call_recording], file_root: recordings}
"""


def test_the_persons_files_are_in_the_package_and_a_missing_one_is_listed(
    tmp_path: Path,
) -> None:
    with sqlite3.connect(tmp_path / "cc.sqlite") as cc:
        cc.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT)")
        cc.execute(
            "CREATE TABLE call_recording (id INTEGER PRIMARY KEY, customer_id INTEGER, "
            "file_path TEXT)"
        )
        cc.executemany("INSERT INTO customer VALUES (?, ?)", [(1, "a@x.uk"), (2, "b@x.uk")])
        cc.executemany(
            "INSERT INTO call_recording VALUES (?, ?, ?)",
            [
                (10, 1, "2026/01/call-10.wav"),
                (11, 1, "2026/01/call-11.wav"),  # not on disk
                (12, 1, "../secret.txt"),  # leaves the root: never read
                (20, 2, "2026/01/call-20.wav"),  # the neighbour's
            ],
        )
    for n in (10, 20):
        path = tmp_path / "recordings" / "2026" / "01" / f"call-{n}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"RIFF" + bytes([n]))
    (tmp_path / "secret.txt").write_text("not yours")
    loaded = load_text(YAML)
    loaded.path = tmp_path / "pledge.yaml"
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade(settings)
    engine = make_engine(settings)
    try:
        logged = requests.open_request(
            engine,
            kind="access",
            identities={"email": ["a@x.uk"]},
            rights=loaded.declaration.rights,
            received_on=date(2026, 1, 30),
            actor="dpo",
        )
        outcome = respond.answer(
            engine, logged.id, loaded=loaded, settings=settings, out=tmp_path / "out", actor="dpo"
        )
    finally:
        engine.dispose()
    assert outcome.request.state is State.COMPLETE and outcome.package is not None
    with zipfile.ZipFile(outcome.package) as package:
        names = set(package.namelist())
        assert package.read("files/cc/call_recording/2026/01/call-10.wav") == b"RIFF\x0a"
        data = json.loads(package.read("data.json"))
        report = package.read("report.html").decode()
    assert not any("call-20" in n or "secret" in n for n in names)
    assert data["files"] == [
        {
            "dataset": "cc.call_recording",
            "field": "file_path",
            "stored": "2026/01/call-10.wav",
            "status": "included",
            "in_package": "files/cc/call_recording/2026/01/call-10.wav",
        },
        {
            "dataset": "cc.call_recording",
            "field": "file_path",
            "stored": "2026/01/call-11.wav",
            "status": "missing",
        },
        {
            "dataset": "cc.call_recording",
            "field": "file_path",
            "stored": "../secret.txt",
            "status": "outside-root",
        },
    ]
    assert "Missing: our records name this file but it was not found" in report
    assert "2026/01/call-11.wav" in report
