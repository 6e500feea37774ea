"""One-click unsubscribe tokens (RFC 8058): signed, single-purpose, naming what they stop.

The URL in a ``List-Unsubscribe`` header carries the token, because the POST that a mail
client sends has no cookie and no login. A token names the identifier (by its keyed hash, so
the address never appears in a URL or a web server log), the list (a declared purpose), the
channel and the stream. It is signed with a key derived from the hash key for this use only,
so no other signature Pledge makes can pass for one.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import asdict, dataclass

from pledge.subjects.hashing import Hasher

#: Named in the token and in its key derivation: a token for anything else never verifies.
PURPOSE = "unsubscribe"
VERSION = 1


class TokenInvalid(Exception):
    """The token was altered, truncated, or made for something else; nothing was changed."""


@dataclass(frozen=True)
class UnsubscribeToken:
    """What one unsubscribe link stops: this identifier, on this list, channel and stream."""

    identity_hash: str
    identity_kind: str
    purpose: str
    channel: str = "email"
    stream: str = "*"


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(hasher: Hasher, token: UnsubscribeToken) -> str:
    """The token as URL-safe text: payload and signature.

    >>> hasher = Hasher(b"k")
    >>> text = sign(hasher, UnsubscribeToken("ab" * 32, "email", "newsletter"))
    >>> verify(hasher, text).purpose
    'newsletter'
    """
    body = {"v": VERSION, "use": PURPOSE, **asdict(token)}
    payload = _encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    signature = hmac.new(hasher.signing_key(PURPOSE), payload.encode(), "sha256").digest()
    return f"{payload}.{_encode(signature)}"


def verify(hasher: Hasher, text: str) -> UnsubscribeToken:
    """The token's contents when its signature holds; TokenInvalid otherwise."""
    payload, dot, signature = text.strip().partition(".")
    if not dot:
        raise TokenInvalid("the unsubscribe link is incomplete")
    expected = hmac.new(hasher.signing_key(PURPOSE), payload.encode(), "sha256").digest()
    try:
        given = _decode(signature)
        # Compared in constant time, so the signature cannot be guessed byte by byte.
        if not hmac.compare_digest(given, expected):
            raise TokenInvalid("the unsubscribe link has been altered")
        body = json.loads(_decode(payload))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise TokenInvalid("the unsubscribe link is damaged") from None
    if body.pop("v", None) != VERSION or body.pop("use", None) != PURPOSE:
        raise TokenInvalid("this link is not an unsubscribe link")
    try:
        return UnsubscribeToken(**body)
    except TypeError:
        raise TokenInvalid("the unsubscribe link is damaged") from None


def headers(hasher: Hasher, token: UnsubscribeToken, base_url: str) -> dict[str, str]:
    """The RFC 8058 headers for one message: the signed URL, and one-click POST allowed.

    >>> sorted(headers(Hasher(b"k"), UnsubscribeToken("ab" * 32, "email", "news"), "https://x"))
    ['List-Unsubscribe', 'List-Unsubscribe-Post']
    """
    url = f"{base_url.rstrip('/')}/unsubscribe/{sign(hasher, token)}"
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
