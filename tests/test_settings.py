"""Settings refuse a hash key too weak to keep identities secret: everything Pledge hashes
(ledgers, the suppression list, identity codes) is only as secret as that key."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner

from pledge.cli import main
from pledge.settings import Settings, SettingsInvalid
from tests.fixtures.keys import OTHER_HASH_KEY, TEST_HASH_KEY

MAKE_ONE = 'python -c "import secrets; print(secrets.token_hex(32))"'


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("test-hash-key", "is 13 characters"),
        (secrets.token_hex(31), "is 62 characters"),
        ("k" * 64, "not hexadecimal"),
        (secrets.token_hex(32)[:-1] + "g", "not hexadecimal"),
        (secrets.token_hex(32) + "\n", "not hexadecimal"),
        ("0" * 64, "repeats a pattern"),
        ("ab" * 32, "repeats a pattern"),
        ("0123456789abcdef" * 4, "repeats a pattern"),
        ("deadbeef" * 8, "repeats a pattern"),
        ("0" * 32 + "1" * 32, "uses only 2 different digits"),
    ],
)
def test_a_weak_hash_key_is_refused_with_how_to_make_one(key: str, why: str) -> None:
    with pytest.raises(SettingsInvalid) as refused:
        Settings(hash_key=key)
    message = str(refused.value)
    assert why in message and MAKE_ONE in message
    assert "PLEDGE_HASH_KEY" in message and key.strip() not in message  # never echo a secret
    with pytest.raises(SettingsInvalid):
        Settings.from_env({"PLEDGE_HASH_KEY": key})


@pytest.mark.parametrize(
    "key",
    [
        TEST_HASH_KEY,
        OTHER_HASH_KEY,
        secrets.token_hex(32),
        secrets.token_hex(32).upper(),
        secrets.token_hex(64),
    ],
)
def test_a_random_key_of_32_bytes_or_more_is_taken(key: str) -> None:
    assert Settings.from_env({"PLEDGE_HASH_KEY": key}).hash_key == key
    assert Settings(hash_key=None).hash_key is None  # no key: refused where one is needed


def test_the_command_line_refuses_a_short_key_in_one_clear_line(tmp_path: Path) -> None:
    env = {
        "PLEDGE_HASH_KEY": "correct horse battery staple",
        "PLEDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'pledge.sqlite'}",
    }
    result = CliRunner(env=env).invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2, result.output
    assert "PLEDGE_HASH_KEY" in result.output and MAKE_ONE in result.output
    assert "Traceback" not in result.output and "horse" not in result.output
    assert not (tmp_path / "pledge.sqlite").exists()
