"""Row generation: deterministic, the right shapes, keys unique, households on purpose."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

from pledge.demo.facilities import CLIPS_PER_SITE, SITES, WEEKS
from pledge.demo.generator import chunks, make_chunk
from pledge.demo.rows import CHUNK, Clock, Plan
from pledge.demo.schema import tables

AS_OF = date(2026, 6, 1)


def _rows(plan: Plan) -> dict[str, list[tuple[object, ...]]]:
    out: dict[str, list[tuple[object, ...]]] = {}
    for chunk in chunks(plan):
        for name, rows in chunk.rows.items():
            out.setdefault(name, []).extend(rows)
    return out


def test_same_seed_same_rows_and_another_seed_other_rows() -> None:
    first = _rows(Plan(7, 120, AS_OF))
    assert first == _rows(Plan(7, 120, AS_OF))
    other = _rows(Plan(8, 120, AS_OF))
    for name in ("customer", "account", "call_record", "invoice"):
        assert first[name] != other[name], name


def test_chunks_do_not_depend_on_each_other() -> None:
    plan, clock = Plan(3, CHUNK + 40, AS_OF), Clock(AS_OF)
    in_order = list(chunks(plan, clock))
    alone = make_chunk(plan, clock, 1)
    assert alone.rows == in_order[1].rows


def test_every_row_fits_its_table_and_keys_are_unique_across_chunks() -> None:
    rows = _rows(Plan(5, CHUNK + 60, AS_OF))
    for name, table in tables().items():
        assert all(len(row) == len(table.columns) for row in rows.get(name, [])), name
        key = next(i for i, c in enumerate(table.columns) if c.primary_key)
        values = [row[key] for row in rows.get(name, [])]
        assert len(values) == len(set(values)), f"{name} has duplicate keys"


def test_sizes_scale_with_customers() -> None:
    rows = _rows(Plan(1, 400, AS_OF))
    assert len(rows["customer"]) == 400
    assert 85 <= len(rows["call_record"]) / 400 <= 115  # about a hundred calls each
    for name in tables():
        assert rows.get(name), f"{name} is empty"


def test_phone_numbers_have_each_systems_format() -> None:
    rows = _rows(Plan(2, 200, AS_OF))
    national = re.compile(r"^0(7\d{3} \d{6}|1\d{3} \d{6}|1\d{2} \d{3} \d{4})$")
    assert all(national.match(str(r[4])) for r in rows["account"])
    assert all(re.match(r"^\+44\d{10}$", str(r[2])) for r in rows["call_record"])
    assert all(re.match(r"^0\d{10}$", str(r[2])) for r in rows["call_recording"])
    mobiles = [r[3] for r in rows["list_member"] if r[3] is not None]
    assert mobiles and all(re.match(r"^\+447\d{9}$", str(m)) for m in mobiles)


def test_postcodes_and_timestamps_look_real() -> None:
    rows = _rows(Plan(2, 200, AS_OF))
    assert all(re.match(r"^[A-Z]{1,2}\d{1,2} \d[A-Z]{2}$", str(r[6])) for r in rows["address"])
    started = sorted(str(r[4]) for r in rows["call_record"])
    assert started[-1] < "2026-06-01" and started[0] > "2024-05-01"
    created = sorted(str(r[11]) for r in rows["customer"])
    assert created[0] < "2020-06-01", "customers go back about seven years"


def test_households_share_surname_and_address_but_not_identities() -> None:
    rows = _rows(Plan(4, 300, AS_OF))
    by_address = Counter((r[3], r[5], r[6]) for r in rows["address"] if r[2] == "billing")
    shared = [a for a, n in by_address.items() if n > 1]
    assert shared, "some customers live together"
    emails = [r[7] for r in rows["customer"]]
    mobiles = [r[8] for r in rows["customer"] if r[8]]
    assert len(emails) == len(set(emails)) and len(mobiles) == len(set(mobiles))
    surnames = Counter(r[4] for r in rows["customer"])
    assert surnames.most_common(1)[0][1] > 3


def test_cards_hold_only_a_token_and_four_digits() -> None:
    rows = _rows(Plan(6, 200, AS_OF))
    for row in rows["payment_card"] + rows["payment_card_archive"]:
        assert str(row[2]).startswith("tok_") and re.match(r"^\d{4}$", str(row[3]))


def test_cctv_clips_are_a_few_per_site_over_recent_weeks_some_past_the_rule() -> None:
    rows = _rows(Plan(9, CHUNK + 60, AS_OF))
    clips = rows["cctv_clip"]
    fewer = _rows(Plan(9, 40, AS_OF))["cctv_clip"]
    assert [r[:4] for r in clips] == [r[:4] for r in fewer], "the premises do not grow"
    assert len(clips) == len(SITES) * CLIPS_PER_SITE
    employees = {r[0] for r in rows["employee"]}
    cutoff = (AS_OF - timedelta(days=31)).isoformat()
    for name, folder, cameras, staffed in SITES:
        here = [r for r in clips if r[1] == name]
        assert len(here) == CLIPS_PER_SITE and {r[2] for r in here} <= set(cameras)
        recorded = sorted(str(r[3]) for r in here)
        assert recorded[0] >= (AS_OF - timedelta(weeks=WEEKS)).isoformat()
        assert recorded[-1] < AS_OF.isoformat()
        assert recorded[0] < cutoff < recorded[-1], f"{name}: clips on both sides of 31 days"
        seen = {r[4] for r in here} - {None}
        assert seen <= employees and (staffed or not seen)
        for clip_id, _, camera, at, _, path in here:
            assert path == f"{folder}/{str(at)[:10]}/{camera}-{clip_id}.mp4"
