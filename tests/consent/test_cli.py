"""The consent commands end to end on a SQLite store, as a DPO or engineer would run them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pledge.cli import main
from pledge.consent.tokens import verify
from pledge.subjects.hashing import Hasher
from tests.fixtures.keys import OTHER_HASH_KEY, TEST_HASH_KEY

DECLARATION = """\
controller: {name: Northwold Telecom Ltd, address: "1 Quay Street, Hull HU1 1AA"}
systems:
  crm:
    connection: sqlite:///crm.sqlite
    datasets:
      customer:
        fields:
          id: {primary_key: true, identity: customer_id}
          email: {identity: email, categories: [user.contact.email]}
purposes:
  news:
    description: Tell you about our products and offers
    lawful_basis: consent
    datasets: [crm.customer]
marketing:
  channels: [email, sms, phone, post]
  streams: [residential, business]
  honour_opt_out_within: 10 days
  sms: {keywords: [NORTHWOLD STOP]}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "pledge.yaml").write_text(DECLARATION)
    return tmp_path


def run(folder: Path, *args: str, key: str | None = TEST_HASH_KEY) -> Result:
    env = {"PLEDGE_CONFIG": str(folder / "pledge.yaml")}
    env["PLEDGE_DATABASE_URL"] = f"sqlite:///{folder / 'pledge.sqlite'}"
    if key:
        env["PLEDGE_HASH_KEY"] = key
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_grant_withdraw_show_pending(folder: Path) -> None:
    ok(run(folder, "db", "upgrade"))
    args = ["--purpose", "news", "--channel", "email", "--stream", "residential"]
    ok(run(folder, "consent", "grant", "Ann@Example.com", *args, "--wording", "Yes please"))
    shown = ok(run(folder, "consent", "show", "ann@example.com", *args))
    assert "grant (consent) news/email/residential" in shown
    assert "email for news: allowed (consent)" in shown
    withdrawn = ok(run(folder, "consent", "withdraw", "ann@example.com", *args))
    assert "to apply by" in withdrawn and "crm" in withdrawn
    shown = ok(run(folder, "consent", "show", "ann@example.com", *args))
    assert "refused (withdrawn)" in shown
    pending = ok(run(folder, "consent", "pending"))
    assert "crm: event 2 withdraw news/email/residential" in pending and "1 pending" in pending
    ok(run(folder, "consent", "confirm", "2", "crm"))
    assert "0 pending" in ok(run(folder, "consent", "pending"))


def test_bad_input_is_one_clear_line(folder: Path) -> None:
    ok(run(folder, "db", "upgrade"))
    missing_key = run(folder, "suppress", "ann@example.com", key=None)
    assert missing_key.exit_code == 1 and "PLEDGE_HASH_KEY" in missing_key.output
    bad_email = run(folder, "suppress", "ann@")
    assert bad_email.exit_code == 1 and "is not an email address" in bad_email.output
    unknown = run(
        folder, "consent", "grant", "a@b.example", "--purpose", "nope", "--channel", "email"
    )
    assert unknown.exit_code == 2 and "no purpose 'nope'" in unknown.output
    stream = run(
        folder,
        "consent",
        "grant",
        "a@b.example",
        "--purpose",
        "news",
        "--channel",
        "email",
        "--stream",
        "retail",
    )
    assert stream.exit_code == 2 and "stream 'retail' is not declared" in stream.output
    soft = run(
        folder,
        "consent",
        "grant",
        "a@b.example",
        "--purpose",
        "news",
        "--channel",
        "email",
        "--basis",
        "soft-opt-in",
    )
    assert soft.exit_code == 2 and "does not use the soft opt-in" in soft.output


def test_store_not_migrated(folder: Path) -> None:
    result = run(folder, "consent", "pending")
    assert result.exit_code == 1 and "pledge db upgrade" in result.output


def test_tps_load_and_phone_screen(folder: Path) -> None:
    ok(run(folder, "db", "upgrade"))
    (folder / "tps.txt").write_bytes(b"07911123456\r\nnot a number\r\n")
    loaded = ok(run(folder, "tps", "load", str(folder / "tps.txt"), "--max-malformed", "50"))
    assert "1 added" in loaded and "1 malformed" in loaded and "tps.txt:2:" in loaded
    (folder / "people.csv").write_text("id,phone\n1,07911 123456\n2,07911 654321\n3,nope\n")
    for number in ("07911123456", "07911654321"):
        ok(run(folder, "consent", "grant", number, "--purpose", "news", "--channel", "phone"))
    refused = run(
        folder, "screen", str(folder / "people.csv"), "--channel", "phone", "--purpose", "news"
    )
    assert refused.exit_code == 1 and "no CTPS register is loaded" in refused.output
    screened = ok(
        run(
            folder,
            "screen",
            str(folder / "people.csv"),
            "--channel",
            "phone",
            "--purpose",
            "news",
            "--override-reason",
            "CTPS file delayed; supplier ticket 123",
        )
    )
    assert "tps" in screened and "invalid-identifier" in screened
    allowed = (folder / "people.allowed.csv").read_text().splitlines()
    excluded = (folder / "people.excluded.csv").read_text().splitlines()
    assert allowed == ["id,phone,reason", "2,07911 654321,consent"]
    assert excluded == ["id,phone,reason", "1,07911 123456,tps", "3,nope,invalid-identifier"]
    bad = run(
        folder, "screen", str(folder / "people.csv"), "--channel", "email", "--purpose", "news"
    )
    assert bad.exit_code == 1 and "missing column(s) email" in bad.output


def test_suppress_then_resubscribe_only_from_the_same_address(folder: Path) -> None:
    ok(run(folder, "db", "upgrade"))
    ok(run(folder, "suppress", "ann@example.com"))
    args = ["--purpose", "news", "--channel", "email", "--stream", "residential"]
    refused = run(
        folder,
        "consent",
        "resubscribe",
        "ann@example.com",
        "--requested-from",
        "bob@example.com",
        *args,
    )
    assert refused.exit_code == 1 and "nothing was changed" in refused.output
    assert "suppressed: opt-out" in ok(run(folder, "consent", "show", "ann@example.com"))
    ok(
        run(
            folder,
            "consent",
            "resubscribe",
            "ann@example.com",
            "--requested-from",
            "Ann@Example.com",
            *args,
        )
    )
    shown = ok(run(folder, "consent", "show", "ann@example.com", *args))
    assert "not suppressed" in shown and "via resubscribe" in shown and "allowed (consent)" in shown


def test_unsubscribe_headers_carry_a_token_that_unsubscribes(folder: Path) -> None:
    ok(run(folder, "db", "upgrade"))
    args = ["--purpose", "news", "--stream", "residential"]
    shown = ok(
        run(
            folder,
            "consent",
            "unsubscribe-headers",
            "Ann@Example.com",
            *args,
            "--base-url",
            "https://nw.example/",
        )
    )
    lines = shown.splitlines()
    assert lines[1] == "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    url = lines[0].removeprefix("List-Unsubscribe: <").removesuffix(">")
    assert url.startswith("https://nw.example/unsubscribe/")
    token = url.rsplit("/", 1)[1]
    assert verify(Hasher(TEST_HASH_KEY.encode()), token).identity_hash == Hasher(
        TEST_HASH_KEY.encode()
    ).hash("email", "ann@example.com")


def test_another_hash_key_is_refused_before_anything_is_written(folder: Path) -> None:
    ok(run(folder, "db", "upgrade"))
    ok(run(folder, "suppress", "ann@example.com"))
    # With a mistyped key the suppressed address would look unknown: refused, in one line.
    wrong = run(folder, "consent", "show", "ann@example.com", key=OTHER_HASH_KEY)
    assert wrong.exit_code == 1 and "PLEDGE_HASH_KEY is not the key" in wrong.output
    wrong = run(folder, "suppress", "bob@example.com", key=OTHER_HASH_KEY)
    assert wrong.exit_code == 1 and "nothing was changed" in wrong.output
    assert "not suppressed" in ok(run(folder, "consent", "show", "bob@example.com"))
    assert "suppressed: opt-out" in ok(run(folder, "consent", "show", "ann@example.com"))
