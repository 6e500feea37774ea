"""Keep database passwords out of every message, stored request, audit entry and log.

One rule, for well-formed and malformed URLs alike, since a malformed one is exactly the one
that ends up in an error: everything between the scheme's separator (``://``, or a typo of
it: ``:/``, ``//``, or a bare ``:`` followed by ``user:``) and the *last* ``@`` is the user
information, and all of it after the user name becomes ``***``. A ``/`` or ``@`` in the
password changes nothing. Query parameters that carry secrets (``password=``, ``pwd=``,
``sslpassword=``, ``token=``...) lose their value too.

A driver's own error text may hold the password without the URL around it; the caller that
knows the URL passes that text through :func:`scrub`, which also removes the password itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

HIDDEN = "***"
_PARAMETER = re.compile(
    r"(?i)\b((?:ssl)?pass(?:word|wd)?|pwd|secret|token|api[_-]?key)(\s*=\s*)([^&\s'\",;)]*)"
)
_TOKEN = re.compile(r"\S+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_OPENERS = "\"'(<[{"
#: The shortest piece of a split password that is removed from drivers' texts.
_PIECE = 3


def redact_url(url: str) -> str:
    """``url`` with its password and secret parameters replaced by ``***``, however malformed.

    >>> redact_url("postgresql://app:pa/ss@w@rd@db:5432/crm?password=x")
    'postgresql://app:***@db:5432/crm?password=***'
    """
    return _PARAMETER.sub(rf"\1\2{HIDDEN}", _userinfo(url))


def redact(text: str) -> str:
    """Every URL-shaped word of ``text`` (a message, a driver's error) through the same rule."""
    return _PARAMETER.sub(rf"\1\2{HIDDEN}", _TOKEN.sub(lambda m: _userinfo(m.group()), text))


def redact_all(value: Any) -> Any:
    """``value`` (text, or JSON-like lists and mappings of it) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: redact_all(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(item) for item in value]
    return value


def secrets_of(url: str) -> list[str]:
    """The password and secret parameters in ``url`` by the same rule, longest first."""
    found = [match.group(3) for match in _PARAMETER.finditer(url)]
    start, at = _span(url)
    if start is not None:
        _user, colon, password = url[start:at].partition(":")
        found.append(password if colon else "")
    # A driver may split a malformed password elsewhere (libpq at the first "@"): its pieces
    # are secrets too, all but the shortest, which would blot out ordinary words.
    pieces = [piece for secret in found for piece in re.split(r"[@/:]", secret)]
    found += [piece for piece in pieces if len(piece) >= _PIECE]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """``text`` redacted, and the secrets of ``url`` removed wherever they stand alone."""
    for secret in secrets_of(url):
        text = text.replace(secret, HIDDEN)
    return redact(text)


def _userinfo(token: str) -> str:
    start, at = _span(token)
    if start is None:
        return token
    user, colon, _password = token[start:at].partition(":")
    if not colon:
        return token
    return f"{token[:start]}{user}:{HIDDEN}{token[at:]}"


def _span(token: str) -> tuple[int | None, int]:
    """Where the user information of a URL-shaped ``token`` starts, and its last ``@``."""
    at = token.rfind("@")
    if at < 0:
        return None, at
    head = token[:at]
    # The earliest separator is the scheme's; a later one may be inside the password.
    starts = [head.find(sep) + len(sep) for sep in ("://", ":/", "//") if sep in head]
    # scheme:user:password@host, the slashes forgotten; "to:ada@example.org" is left alone.
    lead = len(head) - len(head.lstrip(_OPENERS))
    scheme = _SCHEME.match(head, lead)
    if scheme and ":" in head[scheme.end() :]:
        starts.append(scheme.end())
    return (min(starts) if starts else None), at
