"""Archiving to Parquet files: rows move into FOLDER/<dataset>.parquet, stay findable by an
access request through a declared duckdb system, and are deleted when the archive period ends."""

from __future__ import annotations

import stat
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
import yaml

from pledge.connectors import Select, connect
from pledge.declaration import Declaration, load_text
from pledge.retention import service
from pledge.retention.check import uncovered
from pledge.retention.sweep import Outcome
from pledge.rules.retention import Hold
from tests.retention import world

ARCHIVED = set(range(31, 40))


def _declaration(source_url: str) -> Declaration:
    data = yaml.safe_load(world.DECLARATION.format(url=source_url))
    data["systems"]["net"]["datasets"].pop("applicant_archive")
    data["retention"]["applicants"]["archive"]["to"] = "parquet:archive/applicants"
    fields = dict(data["systems"]["net"]["datasets"]["applicant"]["fields"])
    fields["archived_at"] = {}
    # Declared so access requests read the archive through the DuckDB connector.
    data["systems"]["vault"] = {
        "connection": "duckdb:///archive/applicants",
        "datasets": {"applicant": {"fields": fields}},
    }
    return load_text(yaml.safe_dump(data)).declaration


def _archived(folder: Path, declaration: Declaration, email: str | None = None) -> set[int]:
    vault = connect("vault", declaration.systems["vault"], environ={}, folder=folder)
    try:
        if not (folder / "archive/applicants/applicant.parquet").exists():
            return set()
        values = [email] if email else [f"a{i}@example.com" for i in range(world.APPLICANTS)]
        query = Select("applicant", "email", values, fold_case=True)
        rows = [r for batch in vault.read(query) for r in batch]
    finally:
        vault.close()
    return {int(row["id"]) for row in rows}


def test_rows_move_to_parquet_stay_findable_and_expire(
    source: sa.Engine, source_url: str, tmp_path: Path
) -> None:
    declaration = _declaration(source_url)
    assert uncovered(declaration) == []

    def run(now: datetime, holds: Sequence[Hold] = ()) -> list[Outcome]:
        return service.run(
            declaration, lambda _: source, now, holds, "applicants", folder=tmp_path, batch_size=4
        )

    first, second = run(world.NOW)
    assert (first.changed, first.batches, second.changed) == (len(ARCHIVED), 3, 0)
    with source.connect() as connection:
        left = set(connection.execute(sa.select(world.applicant.c.id)).scalars())
    assert left == set(range(31))
    assert _archived(tmp_path, declaration) == ARCHIVED
    assert _archived(tmp_path, declaration, "a35@example.com") == {35}
    file = tmp_path / "archive/applicants/applicant.parquet"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    # A rerun finds nothing new and does not duplicate the archive.
    assert [o.changed for o in run(world.NOW)] == [0, 0]
    assert _archived(tmp_path, declaration) == ARCHIVED
    # After 90 days the archive empties, except for a subject under a legal hold.
    hold = Hold(1, "employment tribunal", "hr@test.example", identity="applicant_id", value="35")
    later = world.NOW + timedelta(days=91)
    plan = service.plan(declaration, lambda _: source, later, [hold], "applicants", folder=tmp_path)
    assert plan[1].preview is not None
    assert (plan[1].preview.eligible, plan[1].preview.held_back) == (len(ARCHIVED) - 1, 1)
    _, expiry = run(later, [hold])
    assert expiry.changed == len(ARCHIVED) - 1
    # Applicants 26-30 reached 600 days meanwhile and were archived by the same run.
    assert _archived(tmp_path, declaration) == {35, 26, 27, 28, 29, 30}
