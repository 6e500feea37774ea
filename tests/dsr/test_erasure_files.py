"""Erasure removes the files the person's erased rows name, after the commit, and proves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from pledge import files
from pledge.declaration import Loaded, load_text
from pledge.dsr.erasure import ErasureIncomplete, ErasureRefused, erase
from pledge.settings import Settings
from pledge.store import upgrade
from pledge.subjects.identity import parse
from tests.fixtures.keys import TEST_HASH_KEY

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
YAML = """\
controller: {{name: Northwold Telecom Ltd, address: "1 Quay Street, Hull HU1 1AA"}}
systems:
  cc:
    connection: "{url}"
    datasets:
      customer:
        erase: update
        fields:
          id: {{primary_key: true, identity: customer_id}}
          email: {{categories: [user.contact.email], identity: email, erase: hash}}
      call_recording:
        fields:
          id: {{primary_key: true}}
          customer_id: {{references: customer.id}}
          recorded_at: {{}}
          file_path: {{categories: [telecom.call_recording], file_root: recordings}}
      note:
        erase: update
        fields:
          id: {{primary_key: true}}
          customer_id: {{references: customer.id}}
          attachment: {{categories: [user.content.private], file_root: attachments,
                        erase: nullify}}
retention:
  complaints-30d:
    dataset: cc.call_recording
    keep: 30 days
    from: recorded_at
    then: delete
    basis: legal-obligation
    forbids_earlier_erasure: true
"""

META = sa.MetaData()
CUSTOMER = sa.Table(
    "customer",
    META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(200)),
)
RECORDING = sa.Table(
    "call_recording",
    META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("file_path", sa.String(200)),
)
NOTE = sa.Table(
    "note",
    META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False),
    sa.Column("attachment", sa.String(200)),
)
#: Each of customers 1 and 2: recordings 0-2 old (erasable), 3 recent (kept 30 days).
RECORDINGS = 4


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Loaded, Settings, Path]:
    """Two customers with recordings and note attachments on disk."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cc.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(url)
    META.create_all(engine)
    naive = NOW.replace(tzinfo=None)
    with engine.begin() as connection:
        for customer in (1, 2):
            connection.execute(
                CUSTOMER.insert(), {"id": customer, "email": f"c{customer}@example.uk"}
            )
            for n in range(RECORDINGS):
                age = timedelta(days=2 if n == RECORDINGS - 1 else 90 + n)
                path = f"{customer}/call-{n}.wav"
                connection.execute(
                    RECORDING.insert(),
                    {
                        "id": customer * 100 + n,
                        "customer_id": customer,
                        "recorded_at": naive - age,
                        "file_path": path,
                    },
                )
                if n != 1:  # customer's recording 1 is already gone from disk
                    _write(tmp_path / "recordings" / path)
            connection.execute(
                NOTE.insert(),
                {"id": customer, "customer_id": customer, "attachment": f"n{customer}.pdf"},
            )
            _write(tmp_path / "attachments" / f"n{customer}.pdf")
    engine.dispose()
    loaded = load_text(YAML.format(url=url))
    loaded.path = tmp_path / "pledge.yaml"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'pledge.sqlite'}", hash_key=TEST_HASH_KEY
    )
    upgrade(settings)
    return loaded, settings, tmp_path


def _write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF")


def _on_disk(folder: Path) -> set[str]:
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and p.parent.name != folder.name and p.parent.suffix != ".locks"
    }


def test_the_persons_files_go_and_kept_rows_and_neighbours_keep_theirs(
    world: tuple[Loaded, Settings, Path],
) -> None:
    loaded, settings, folder = world
    result = erase(loaded, parse([("email", "c1@example.uk")]), settings=settings, now=NOW)
    assert result.complete and result.with_exemptions
    assert _on_disk(folder) == {
        "recordings/1/call-3.wav",  # recent: kept under the 30-day rule, with its file
        "recordings/2/call-0.wav",
        "recordings/2/call-2.wav",
        "recordings/2/call-3.wav",
        "attachments/n2.pdf",
    }
    outcomes = {d.dataset: d for s in result.systems for d in s.datasets}
    assert outcomes["call_recording"].files_removed == 2  # call-1 was already missing
    assert outcomes["note"].files_removed == 1
    certificate = result.certificate()
    assert certificate["totals"]["files_removed"] == 3
    assert "2 file(s) removed" in result.text()


def test_a_targeted_file_still_there_fails_verification_by_name(
    world: tuple[Loaded, Settings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded, settings, _ = world

    def refuse(path: Path) -> bool:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(files, "remove", refuse)
    with pytest.raises(ErasureIncomplete) as caught:
        erase(loaded, parse([("email", "c1@example.uk")]), settings=settings, now=NOW)
    message = str(caught.value)
    assert "cc.call_recording: 2 file(s) still exist (fields: file_path)" in message
    assert "cc.note: 1 file(s) still exist (fields: attachment)" in message
    assert caught.value.result.certificate()["status"] == "failed"


def test_a_stored_path_leaving_its_root_refuses_the_erasure_before_any_write(
    world: tuple[Loaded, Settings, Path],
) -> None:
    loaded, settings, _ = world
    url = loaded.declaration.systems["cc"].connection
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            RECORDING.update().where(RECORDING.c.id == 100).values(file_path="../../etc/passwd")
        )
    with pytest.raises(ErasureRefused, match=r"cc.call_recording.file_path names a file"):
        erase(loaded, parse([("email", "c1@example.uk")]), settings=settings, now=NOW)
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(RECORDING)).scalar() == 8
    engine.dispose()


def _count(loaded: Loaded) -> int:
    engine = sa.create_engine(loaded.declaration.systems["cc"].connection)
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(RECORDING)).scalar()
    engine.dispose()
    return int(count or 0)


@pytest.mark.parametrize(
    ("to", "says"),
    [
        ("recordings/2/call-0.wav", "none of the person's erased rows names"),  # another's
        ("recordings/loose/x.wav", "none of the person's erased rows names"),  # nobody's
        ("elsewhere/secret.wav", "outside"),
    ],
)
def test_a_link_to_a_file_not_the_persons_refuses_the_erasure_and_the_target_stays(
    world: tuple[Loaded, Settings, Path], to: str, says: str
) -> None:
    loaded, settings, folder = world
    target = folder / to
    if not target.exists():
        _write(target)
    link = folder / "recordings" / "1" / "call-0.wav"
    link.unlink()
    link.symlink_to(target)
    with pytest.raises(ErasureRefused, match=r"cc.call_recording.file_path") as refused:
        erase(loaded, parse([("email", "c1@example.uk")]), settings=settings, now=NOW)
    assert says in str(refused.value)
    assert target.read_bytes() == b"RIFF" and link.is_symlink()
    assert _count(loaded) == 2 * RECORDINGS  # refused before any write


def test_a_link_to_a_file_of_the_persons_own_erased_row_goes_with_it(
    world: tuple[Loaded, Settings, Path],
) -> None:
    loaded, settings, folder = world
    link = folder / "recordings" / "1" / "call-2.wav"
    link.unlink()
    link.symlink_to(folder / "recordings" / "1" / "call-0.wav")
    result = erase(loaded, parse([("email", "c1@example.uk")]), settings=settings, now=NOW)
    assert result.complete
    assert not link.is_symlink() and not (folder / "recordings" / "1" / "call-0.wav").exists()
    assert (folder / "recordings" / "2" / "call-0.wav").exists()


def test_files_left_by_a_crash_after_the_commit_are_removed_by_the_rerun(
    world: tuple[Loaded, Settings, Path],
) -> None:
    # Killed after the system committed and before its files went: the rows naming the
    # files are gone, so only the intent's keyed hashes of the paths can find them.
    import os
    import signal
    import subprocess
    import sys

    loaded, settings, folder = world
    url = loaded.declaration.systems["cc"].connection
    (folder / "pledge.yaml").write_text(YAML.format(url=url))
    env = {
        **os.environ,
        "PLEDGE_HASH_KEY": TEST_HASH_KEY,
        "PLEDGE_DATABASE_URL": settings.database_url,
        "PLEDGE_CONFIG": str(folder / "pledge.yaml"),
    }
    pledge = str(Path(sys.executable).parent / "pledge")
    command = [pledge, "erase", "--email", "c1@example.uk", "--yes"]

    def run(fault: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            env={**env, "PLEDGE_FAULT": fault},
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    crashed = run("erasure.committed:cc")
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    assert "recordings/1/call-0.wav" in _on_disk(folder)  # the commit went, the files stayed

    again = run("")
    assert again.returncode == 0, again.stdout + again.stderr
    assert _on_disk(folder) == {
        "recordings/1/call-3.wav",
        "recordings/2/call-0.wav",
        "recordings/2/call-2.wav",
        "recordings/2/call-3.wav",
        "attachments/n2.pdf",
    }
