"""Keyed hashes need a key; unsubscribe tokens verify only untouched and for their one use."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.consent.tokens import TokenInvalid, UnsubscribeToken, sign, verify
from pledge.dsr import ledger
from pledge.dsr.strategies import keyed_hash
from pledge.keys import derive
from pledge.rules.verification import code_hash
from pledge.settings import Settings
from pledge.subjects.hashing import Hasher, HashKeyMissing
from tests.fixtures.keys import TEST_HASH_KEY

TOKEN = UnsubscribeToken("ab" * 32, "email", "newsletter", "email", "residential")
OTHER = sign(Hasher(b"k"), UnsubscribeToken("cd" * 32, "email", "newsletter"))


def test_missing_key_says_how_to_set_it() -> None:
    with pytest.raises(HashKeyMissing, match="PLEDGE_HASH_KEY"):
        Hasher.from_settings(Settings())


def test_hash_is_sha256_of_derived_key_kind_and_value() -> None:
    hasher = Hasher.from_settings(Settings(hash_key=TEST_HASH_KEY))
    derived = hmac.new(
        TEST_HASH_KEY.encode(), b"pledge-kdf\x00identity-hash-v2", hashlib.sha256
    ).digest()[:16]
    expected = hashlib.sha256(derived + b"email:ann@example.com").hexdigest()
    assert hasher.hash("email", "ann@example.com") == expected
    assert Hasher(b"other").hash("email", "ann@example.com") != expected
    # The configured key itself is never the prefix: a leaked hash says nothing about it.
    assert hasher.hash("email", "x") != hashlib.sha256(b"secretemail:x").hexdigest()


@given(key=st.binary(min_size=1, max_size=200))
def test_a_phone_number_is_one_sha256_block(key: bytes) -> None:
    # What makes screening fast: the derived key, the kind and the longest E.164 number (15
    # digits) fit the 55 bytes SHA-256 hashes in one block, whatever key is configured.
    assert len(Hasher(key).identity_key) + len(b"phone:+123456789012345") <= 55


def test_token_round_trip() -> None:
    assert verify(Hasher(b"k"), sign(Hasher(b"k"), TOKEN)) == TOKEN


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t[:-2],
        lambda t: t.replace(".", ""),
        lambda t: "x" + t,
        lambda t: t.split(".")[0] + "." + "A" * 43,
        # Another person's payload under this token's signature.
        lambda t: OTHER.split(".")[0] + "." + t.split(".")[1],
    ],
)
def test_tampered_tokens_are_rejected(damage: object) -> None:
    text = sign(Hasher(b"k"), TOKEN)
    with pytest.raises(TokenInvalid):
        verify(Hasher(b"k"), damage(text))  # type: ignore[operator]


def test_token_from_another_key_is_rejected() -> None:
    with pytest.raises(TokenInvalid):
        verify(Hasher(b"k"), sign(Hasher(b"other"), TOKEN))


def test_signature_is_not_the_identity_hash() -> None:
    # The signing key is derived for tokens alone: a token signature never equals a hash.
    hasher = Hasher(b"k")
    assert hasher.signing_key("unsubscribe") != hasher.key


@pytest.mark.parametrize("label", ["pledge-kdf\x00identity-hash-v2", "identity-hash-v2"])
def test_no_field_hash_gives_away_a_derived_key(label: str) -> None:
    # Were field values hashed under the configured key itself, erasing a field that spells
    # a derivation label would write the identity-hash key into the customer's table.
    hasher = Hasher(b"secret")
    for use in ("identity-hash-v2", "signing:unsubscribe"):
        derived = derive(b"secret", use).hex()
        assert keyed_hash("secret", label) != derived
        assert code_hash("secret", 1, label) != derived
    assert hasher.identity_key.hex() not in keyed_hash("secret", label)


def test_the_erasure_ledger_hashes_people_as_the_consent_ledger_does() -> None:
    # One hash finds a person in the consent ledger, the suppression list and the erasure
    # ledger: an erasure's suppression entry and a replay depend on it.
    value = "ann@example.com"
    assert ledger.identity_hash("k", "email", value) == Hasher(b"k").hash("email", value)
