"""Files named by rows (file_root) go with their rows: after the batch commits, never before."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from pledge import files
from pledge.declaration import Declaration, load_text
from pledge.retention import service, sweep
from pledge.retention.check import check
from tests.retention.world import NOW

metadata = sa.MetaData()
recording = sa.Table(
    "recording",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("caller", sa.String(20), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False, index=True),
    sa.Column("file_path", sa.String(200)),
)
note = sa.Table(
    "note",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("written_at", sa.DateTime, nullable=False),
    sa.Column("attachment", sa.String(200)),
)

DECLARATION = """
controller: {{name: Test Telecom Ltd, address: 1 Quay Street Hull}}
systems:
  cc:
    connection: {url}
    datasets:
      recording:
        fields:
          id: {{primary_key: true}}
          caller: {{identity: phone, categories: [user.contact.phone_number]}}
          recorded_at: {{}}
          file_path: {{categories: [telecom.call_recording], file_root: audio}}
      note:
        fields:
          id: {{primary_key: true}}
          written_at: {{}}
          attachment: {{categories: [user.content.private], file_root: {notes}}}
retention:
  recordings-30d: {{dataset: cc.recording, keep: 30 days, from: recorded_at, then: delete}}
  notes: {{dataset: cc.note, keep: 1 year, from: written_at, then: anonymise,
           anonymise: [attachment]}}
"""
#: Recording i is 4*i days old: 0..7 are kept (under 30 days), 8..19 expire.
RECORDINGS = 20
KEPT = set(range(8))
OLD = (NOW - timedelta(days=10)).timestamp()


@pytest.fixture
def company(source_url: str, tmp_path: Path) -> Iterator[tuple[sa.Engine, Declaration, Path]]:
    """Recordings and notes on each engine, their files under the declaration's folder."""
    engine = sa.create_engine(source_url)
    metadata.create_all(engine)
    naive = NOW.replace(tzinfo=None)
    audio, notes = tmp_path / "audio", tmp_path / "notes"
    with engine.begin() as connection:
        connection.execute(
            recording.insert(),
            [
                {
                    "id": i,
                    "caller": f"+4477009{i:05d}",
                    "recorded_at": naive - timedelta(days=4 * i),
                    "file_path": f"2026/call-{i}.wav",
                }
                for i in range(RECORDINGS)
            ],
        )
        connection.execute(
            note.insert(),
            [
                {
                    "id": i,
                    "written_at": naive - timedelta(days=400 * i),
                    "attachment": str(notes / f"n{i}.txt"),  # absolute, inside the root
                }
                for i in range(3)
            ],
        )
    for i in range(RECORDINGS):
        if i != 9:  # recording 9's file is already gone: its sweep must not mind
            _write(audio / f"2026/call-{i}.wav")
    for i in range(3):
        _write(notes / f"n{i}.txt")
    text = DECLARATION.format(url=source_url, notes=str(notes))
    yield engine, load_text(text).declaration, tmp_path
    engine.dispose()


def _write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF")
    os.utime(path, (OLD, OLD))


def _audio(folder: Path) -> set[int]:
    return {int(p.stem.split("-")[1]) for p in (folder / "audio").rglob("*.wav")}


def test_expired_rows_take_their_files_and_kept_rows_keep_theirs(
    company: tuple[sa.Engine, Declaration, Path],
) -> None:
    engine, declaration, folder = company
    outcomes = service.run(declaration, lambda _: engine, NOW, folder=folder, batch_size=5)
    assert all(o.complete and not o.file_errors for o in outcomes), outcomes
    removed = {o.step.rule: o.files_removed for o in outcomes}
    assert removed == {"recordings-30d": RECORDINGS - len(KEPT) - 1, "notes": 2}
    assert _audio(folder) == KEPT
    with engine.connect() as connection:
        assert set(connection.execute(sa.select(recording.c.id)).scalars()) == KEPT
        attachments = dict(connection.execute(sa.select(note.c.id, note.c.attachment)).all())
    assert attachments[0] is not None and attachments[1] is None and attachments[2] is None
    assert sorted(p.name for p in (folder / "notes").iterdir()) == ["n0.txt"]
    again = service.run(declaration, lambda _: engine, NOW, folder=folder)
    assert [(o.changed, o.files_removed, o.complete) for o in again] == [(0, 0, True)] * 2
    assert check(declaration, lambda _: engine, NOW, folder=folder) == []


def test_a_path_leaving_its_root_is_refused_and_reported(
    company: tuple[sa.Engine, Declaration, Path],
) -> None:
    engine, declaration, folder = company
    victim = folder / "passwd"
    victim.write_text("root:x:0:0")
    with engine.begin() as connection:
        connection.execute(
            recording.update().where(recording.c.id == 12).values(file_path="../passwd")
        )
    outcomes = service.run(declaration, lambda _: engine, NOW, (), "recordings-30d", folder=folder)
    assert victim.exists()
    (outcome,) = outcomes
    assert not outcome.complete and len(outcome.file_errors) == 1
    assert outcome.error is not None and "outside" in outcome.error
    assert _audio(folder) == KEPT | {12}  # its row is gone; that file is now an orphan


def test_a_failed_unlink_is_in_the_outcome(
    company: tuple[sa.Engine, Declaration, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, declaration, folder = company

    def refuse(path: Path) -> bool:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(files, "remove", refuse)
    (outcome,) = service.run(
        declaration, lambda _: engine, NOW, (), "recordings-30d", folder=folder
    )
    assert outcome.changed == RECORDINGS - len(KEPT)
    assert not outcome.complete and outcome.error is not None
    assert "Permission denied" in outcome.error
    assert len(outcome.file_errors) == RECORDINGS - len(KEPT)
    assert "file(s) NOT removed" in _describe(outcome)


def _describe(outcome: sweep.Outcome) -> str:
    from pledge.retention.report import describe_outcome

    return describe_outcome(outcome)


def test_files_left_by_a_crash_are_orphans_the_next_run_removes(
    company: tuple[sa.Engine, Declaration, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, declaration, folder = company
    # The crash: batches commit, but the process dies before unlinking anything.
    monkeypatch.setattr(sweep, "unlink", lambda *args: None)
    monkeypatch.setattr(service, "_remove_orphans", lambda *args: None)
    service.run(declaration, lambda _: engine, NOW, (), "recordings-30d", folder=folder)
    monkeypatch.undo()
    assert len(_audio(folder)) == RECORDINGS - 1
    young = folder / "audio" / "incoming" / "call-99.wav"
    young.parent.mkdir()
    young.write_bytes(b"RIFF")  # just written; its row may be on its way
    findings = check(declaration, lambda _: engine, NOW, folder=folder)
    found = [(f.kind, f.where, f.message) for f in findings if f.kind != "overdue"]
    assert [where for _, where, _ in found] == ["cc.recording"]
    assert found[0][0] == "orphans" and f"{RECORDINGS - len(KEPT)} file(s) under" in found[0][2]
    (outcome,) = service.run(
        declaration, lambda _: engine, NOW, (), "recordings-30d", folder=folder
    )
    assert outcome.complete and outcome.changed == 0
    assert outcome.files_removed == RECORDINGS - len(KEPT) - 1
    assert _audio(folder) == KEPT | {99}


def test_a_root_holding_the_declaration_is_never_swept_for_orphans(
    company: tuple[sa.Engine, Declaration, Path],
) -> None:
    engine, _, folder = company
    # An absolute root above the declaration: its databases and pledge.yaml are no orphans.
    text = (
        DECLARATION.format(url=str(engine.url), notes=str(folder))
        .replace("then: anonymise,", "then: delete}")
        .replace("           anonymise: [attachment]}\n", "")
    )
    (folder / "pledge.yaml").write_text(text)
    os.utime(folder / "pledge.yaml", (OLD, OLD))
    wide = load_text(text).declaration
    findings = check(wide, lambda _: engine, NOW, folder=folder)
    assert any(
        f.kind == "refused" and "holds the declaration's folder" in f.message for f in findings
    )
    outcomes = service.run(wide, lambda _: engine, NOW, folder=folder)
    assert (folder / "pledge.yaml").exists() and (folder / "notes" / "n0.txt").exists()
    notes = next(o for o in outcomes if o.step.rule == "notes")
    assert notes.changed == 2 and notes.files_removed == 2
    assert not notes.complete and "holds the declaration's folder" in (notes.error or "")


def _link(path: Path, to: Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to(to)


def test_a_link_is_removed_never_its_target_and_a_link_to_what_others_keep_is_refused(
    company: tuple[sa.Engine, Declaration, Path],
) -> None:
    engine, declaration, folder = company
    audio = folder / "audio" / "2026"
    secret, loose = folder / "secret.wav", folder / "audio" / "loose" / "x.wav"
    _write(secret)
    _write(loose)
    _link(audio / "call-10.wav", audio / "call-3.wav")  # row 3 stays: another row's file
    _link(audio / "call-11.wav", secret)  # out of the root
    _link(audio / "call-12.wav", audio / "call-13.wav")  # to a file of a row going too
    _link(audio / "call-14.wav", loose)  # to a file no row names
    (outcome,) = service.run(
        declaration, lambda _: engine, NOW, (), "recordings-30d", folder=folder, batch_size=50
    )
    assert (audio / "call-3.wav").read_bytes() == b"RIFF"
    assert secret.read_bytes() == b"RIFF" and loose.read_bytes() == b"RIFF"
    assert (audio / "call-10.wav").is_symlink() and (audio / "call-11.wav").is_symlink()
    assert not (audio / "call-12.wav").is_symlink() and not (audio / "call-13.wav").exists()
    assert not (audio / "call-14.wav").is_symlink()  # the link went; its target did not
    assert not outcome.complete
    errors = "\n".join(outcome.file_errors)
    assert f"'2026/call-10.wav' is a link to {audio / 'call-3.wav'}, a file another row" in errors
    assert f"'2026/call-11.wav' is a link to {secret}, outside" in errors
    assert f"'2026/call-14.wav' was a link: removed; its target {loose} was left" in errors
    assert len(outcome.file_errors) == 3
