"""The ways people opt out, as service functions the CLI and the HTTP API share.

- one-click email unsubscribe (RFC 8058): only a POST with ``List-Unsubscribe=One-Click``
  unsubscribes; a GET (a mail scanner prefetching the link) changes nothing;
- an SMS keyword (STOP, UNSUBSCRIBE, END, QUIT, CANCEL, and the declaration's own);
- the Global Privacy Control signal (``Sec-GPC: 1``): an objection to sale or sharing and to
  targeted advertising;
- an objection to all direct marketing: absolute, and onto the suppression list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from pledge.consent.ledger import ALL, Change, append, record
from pledge.consent.suppression import suppress
from pledge.consent.tokens import verify
from pledge.store.consent_tables import ConsentEventRow
from pledge.subjects.hashing import Hasher

#: The conventional SMS opt-out words.
CONVENTIONAL_KEYWORDS = ("STOP", "UNSUBSCRIBE", "END", "QUIT", "CANCEL")
#: The body RFC 8058 requires of a one-click POST.
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"
#: Where targeted advertising happens: what a GPC signal objects to.
ADVERTISING_CHANNELS = ("social", "online-advertising")
#: The purpose name a GPC objection to sale or sharing is recorded under.
SALE_OR_SHARING = "sale-or-sharing"


@dataclass(frozen=True)
class Routing:
    """Where a withdrawal must reach and by when: the declared systems and opt-out window."""

    systems: Sequence[str] = ()
    honour_within: timedelta = timedelta(days=28)


@dataclass(frozen=True)
class OneClick:
    """What a one-click request did: ``unsubscribed`` False means nothing changed."""

    unsubscribed: bool
    message: str
    event: ConsentEventRow | None = None


def one_click(
    session: Session,
    hasher: Hasher,
    token: str,
    *,
    method: str,
    body: str = "",
    routing: Routing = Routing(),
) -> OneClick:
    """Handle a request to an unsubscribe URL; TokenInvalid (nothing changed) when tampered."""
    parsed = verify(hasher, token)
    if method.upper() != "POST":
        # Mail scanners fetch every link in a message; only the client's POST may unsubscribe.
        return OneClick(False, "confirm with the unsubscribe button; nothing has changed yet")
    if body.strip() != ONE_CLICK_BODY:
        return OneClick(False, f"a one-click unsubscribe POST carries {ONE_CLICK_BODY!r}")
    change = Change(
        parsed.identity_kind,
        "",
        "withdraw",
        parsed.purpose,
        parsed.channel,
        parsed.stream,
        source="email-link",
        evidence={"rfc8058": True},
        actor="one-click-unsubscribe",
    )
    event = append(
        session,
        parsed.identity_hash,
        change,
        systems=routing.systems,
        honour_within=routing.honour_within,
    )
    return OneClick(True, "unsubscribed", event)


def keyword(text: str, declared: Iterable[str] = ()) -> str | None:
    """The opt-out keyword an SMS starts with, if any (case and spacing ignored).

    >>> keyword("  stop please"), keyword("KCOM  unsubscribe", ["KCOM UNSUBSCRIBE"])
    ('STOP', 'KCOM UNSUBSCRIBE')
    >>> keyword("stopping by later") is None
    True
    """
    words = " ".join(re.sub(r"[^\w\s]", " ", text).upper().split())
    # Longest first, so "KCOM UNSUBSCRIBE" is reported rather than a shorter match.
    for word in sorted({*CONVENTIONAL_KEYWORDS, *(d.upper() for d in declared)}, key=len)[::-1]:
        candidate = " ".join(word.split())
        if words == candidate or words.startswith(candidate + " "):
            return candidate
    return None


def sms_received(
    session: Session,
    hasher: Hasher,
    sender: str,
    text: str,
    *,
    declared: Iterable[str] = (),
    routing: Routing = Routing(),
) -> ConsentEventRow | None:
    """Withdraw SMS marketing for every purpose and stream when a message is an opt-out."""
    found = keyword(text, declared)
    if found is None:
        return None
    change = Change(
        "phone",
        sender,
        "withdraw",
        ALL,
        "sms",
        ALL,
        source="sms-keyword",
        evidence={"keyword": found},
    )
    return record(
        session, hasher, change, systems=routing.systems, honour_within=routing.honour_within
    )


def gpc_signal(
    session: Session,
    hasher: Hasher,
    kind: str,
    value: str,
    headers: Mapping[str, str],
    *,
    evidence: Mapping[str, str] | None = None,
    routing: Routing = Routing(),
) -> list[ConsentEventRow]:
    """Record ``Sec-GPC: 1`` as objections to sale/sharing and to targeted advertising."""
    lowered = {name.lower(): text for name, text in headers.items()}
    if lowered.get("sec-gpc", "").strip() != "1":
        return []
    shown = dict(evidence or {})
    targets = [(SALE_OR_SHARING, ALL)] + [(ALL, channel) for channel in ADVERTISING_CHANNELS]
    return [
        record(
            session,
            hasher,
            Change(kind, value, "object", purpose, channel, ALL, source="gpc", evidence=shown),
            systems=routing.systems,
            honour_within=routing.honour_within,
        )
        for purpose, channel in targets
    ]


def object_to_marketing(
    session: Session,
    hasher: Hasher,
    kind: str,
    value: str,
    *,
    source: str = "cli",
    actor: str = "pledge",
    routing: Routing = Routing(),
) -> ConsentEventRow:
    """An objection to all direct marketing: recorded, and the identifier suppressed."""
    change = Change(kind, value, "object", source=source, actor=actor)
    event = record(
        session, hasher, change, systems=routing.systems, honour_within=routing.honour_within
    )
    suppress(session, hasher, kind, value, reason="objection", source=source, actor=actor)
    return event
