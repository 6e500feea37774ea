"""Keyed hashes of identities: what the ledgers and the suppression list keep instead of them.

An identity is kept as SHA-256(K || "kind:normalised value"), hex-encoded, where K is a 16-byte
key derived from ``PLEDGE_HASH_KEY`` (:func:`pledge.keys.derive`, truncated). The kind prefix
keeps an email address and a customer id that spell the same text apart. Without the key a
hash cannot be checked against a guessed address or number, which is what makes the
suppression list safe to keep after the person's data is erased.

Why not HMAC: campaign screening hashes every identifier of a ten-million-row audience inside
DuckDB, whose software SHA-256 costs about 0.35 us per 64-byte block. HMAC needs four blocks
for a short identifier (two of them the padded key, which SQL cannot precompute); the
secret-prefix form needs one for a phone number or an address of up to 33 characters. What
HMAC adds over it is protection from length extension: someone holding a hash could compute
the hash of the same text followed by SHA-256's padding bytes (0x80, zeros, a bit length) and
more. No normalised identity contains those bytes, so no such hash can ever be looked up;
recovering K or checking a guess still needs a SHA-256 preimage. ``bench/screen.py`` and
docs/benchmarks.md have the figures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from pledge.keys import derive
from pledge.settings import Settings

#: The use the identity-hash key is derived for; a new one would be a new scheme.
_USE = "identity-hash-v2"
#: Bytes of derived key: 128 bits, short enough that K plus "phone:+447911123456" is one block.
KEY_BYTES = 16


class HashKeyMissing(Exception):
    """No key for keyed hashes is configured; the message says how to set one."""

    def __init__(self) -> None:
        super().__init__(
            "no hash key is set, so identifiers cannot be hashed for the consent ledger and "
            "the suppression list: set PLEDGE_HASH_KEY to a long random secret (for example "
            '`export PLEDGE_HASH_KEY="$(python -c "import secrets; print(secrets.token_hex(32))")"`'
            ") and keep it: hashes made with one key never match hashes made with another"
        )


@dataclass(frozen=True)
class Hasher:
    """Keyed SHA-256 of identities under one secret key.

    >>> Hasher(b"k").hash("email", "ann@example.com")[:16]
    'b9e82b8bbfec1a88'
    """

    key: bytes = field(repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Hasher:
        """The hasher for ``settings.hash_key``; a clear error when there is none."""
        if not settings.hash_key:
            raise HashKeyMissing()
        return cls(settings.hash_key.encode())

    @cached_property
    def identity_key(self) -> bytes:
        """K: the derived key identities are hashed under (never the configured key itself)."""
        return derive(self.key, _USE)[:KEY_BYTES]

    def hash(self, kind: str, normalised: str) -> str:
        """The hex keyed hash of one normalised identity of the given kind."""
        return hashlib.sha256(self.identity_key + f"{kind}:{normalised}".encode()).hexdigest()

    def signing_key(self, purpose: str) -> bytes:
        """A key derived for one purpose (token signing), so no signature doubles as a hash."""
        return derive(self.key, f"signing:{purpose}")
