"""May we send this person direct marketing on this channel? The PECR rules as one function.

``may_contact`` is pure: the caller gathers the facts (from the ledger, the suppression list,
the TPS/CTPS registers) and gets back a decision with a reason code and a sentence. The
screening SQL in :mod:`pledge.consent.screen` applies the same rules in the same order, and
a test checks the two agree row by row.

The order in which reasons are checked is the order of ``REFUSALS``: the first that applies is
the one reported, so a row excluded for several reasons shows the weightiest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Channel = Literal["email", "sms", "phone", "post", "social", "online-advertising"]
ConsentStatus = Literal["granted", "withdrawn"]
Basis = Literal["consent", "soft-opt-in", "specific-agreement"]

#: The channels PECR calls "electronic mail": the only ones where the soft opt-in applies.
SOFT_OPT_IN_CHANNELS: frozenset[str] = frozenset({"email", "sms"})


class Reason(StrEnum):
    """Why a contact is allowed or refused; the codes written in screening output files."""

    CONSENT = "consent"
    SOFT_OPT_IN = "soft-opt-in"
    SPECIFIC_AGREEMENT = "specific-agreement"
    INVALID_IDENTIFIER = "invalid-identifier"
    ERASED = "erased"
    RESTRICTED = "restricted"
    OBJECTED = "objected"
    SUPPRESSED = "suppressed"
    WITHDRAWN = "withdrawn"
    NO_CONSENT = "no-consent"
    TPS = "tps"
    CTPS = "ctps"


#: Refusal reasons, weightiest first: the first that applies is the one reported.
REFUSALS: tuple[Reason, ...] = (
    Reason.INVALID_IDENTIFIER,
    Reason.ERASED,
    Reason.RESTRICTED,
    Reason.OBJECTED,
    Reason.SUPPRESSED,
    Reason.WITHDRAWN,
    Reason.NO_CONSENT,
    Reason.TPS,
    Reason.CTPS,
)


@dataclass(frozen=True)
class SoftOptIn:
    """The soft opt-in's conditions (PECR reg. 22(3)), as recorded when the details were taken."""

    obtained_in_sale: bool
    similar_products: bool
    refusal_offered: bool

    @property
    def valid(self) -> bool:
        """All three conditions hold."""
        return self.obtained_in_sale and self.similar_products and self.refusal_offered

    def missing(self) -> list[str]:
        """The conditions that do not hold, in words."""
        names = {
            "details obtained in a sale": self.obtained_in_sale,
            "similar products": self.similar_products,
            "a chance to refuse": self.refusal_offered,
        }
        return [name for name, held in names.items() if not held]


@dataclass(frozen=True)
class Facts:
    """Everything known about one identifier for one purpose, channel and stream."""

    channel: Channel
    #: The latest grant or withdrawal that covers this purpose, channel and stream.
    consent: ConsentStatus | None = None
    #: What the latest grant rests on; "specific-agreement" is a phone grant that lifts TPS.
    basis: Basis = "consent"
    #: The soft opt-in's conditions, when the grant rests on it (None: not recorded).
    soft_opt_in: SoftOptIn | None = None
    objected: bool = False
    restricted: bool = False
    erased: bool = False
    suppressed: bool = False
    on_tps: bool = False
    on_ctps: bool = False
    identifier_valid: bool = True


@dataclass(frozen=True)
class Decision:
    """The answer: allowed or not, the reason code, and a sentence a DPO can read."""

    allowed: bool
    reason: Reason
    explanation: str


_REFUSED = {
    Reason.INVALID_IDENTIFIER: "the identifier cannot be read as an email address or phone number",
    Reason.ERASED: "the person's data was erased; they stay on the suppression list",
    Reason.RESTRICTED: "processing is restricted at the person's request",
    Reason.OBJECTED: "the person objected to direct marketing, which is absolute",
    Reason.SUPPRESSED: "the identifier is on the suppression list",
    Reason.WITHDRAWN: "the person withdrew consent for this channel, purpose and stream",
    Reason.TPS: "the number is on the Telephone Preference Service register",
    Reason.CTPS: "the number is on the Corporate Telephone Preference Service register",
}


def may_contact(facts: Facts) -> Decision:
    """Decide one contact by the PECR rules.

    >>> may_contact(Facts(channel="email", consent="granted")).reason
    <Reason.CONSENT: 'consent'>
    >>> may_contact(Facts(channel="phone", consent="granted", on_tps=True)).allowed
    False
    """
    for reason in REFUSALS:
        if _applies(reason, facts):
            return Decision(False, reason, _explain(reason, facts))
    if facts.basis == "soft-opt-in":
        return Decision(True, Reason.SOFT_OPT_IN, "the soft opt-in's three conditions hold")
    if facts.basis == "specific-agreement" and (facts.on_tps or facts.on_ctps):
        return Decision(
            True,
            Reason.SPECIFIC_AGREEMENT,
            "the number is on a do-not-call register, but the person specifically agreed to calls",
        )
    return Decision(True, Reason.CONSENT, f"the person consented to {facts.channel} marketing")


def _applies(reason: Reason, facts: Facts) -> bool:
    agreed_to_calls = facts.consent == "granted" and facts.basis == "specific-agreement"
    checks = {
        Reason.INVALID_IDENTIFIER: not facts.identifier_valid,
        Reason.ERASED: facts.erased,
        Reason.RESTRICTED: facts.restricted,
        Reason.OBJECTED: facts.objected,
        Reason.SUPPRESSED: facts.suppressed,
        Reason.WITHDRAWN: facts.consent == "withdrawn",
        Reason.NO_CONSENT: not _has_consent(facts),
        Reason.TPS: facts.channel == "phone" and facts.on_tps and not agreed_to_calls,
        Reason.CTPS: facts.channel == "phone" and facts.on_ctps and not agreed_to_calls,
    }
    return checks[reason]


def _has_consent(facts: Facts) -> bool:
    if facts.consent != "granted":
        return False
    if facts.basis == "soft-opt-in":
        conditions = facts.soft_opt_in
        valid = conditions is not None and conditions.valid
        return facts.channel in SOFT_OPT_IN_CHANNELS and valid
    # Specific agreement is a phone-only basis (PECR reg. 21(4)); elsewhere it is no grant.
    return facts.basis != "specific-agreement" or facts.channel == "phone"


def _explain(reason: Reason, facts: Facts) -> str:
    if reason is not Reason.NO_CONSENT:
        return _REFUSED[reason]
    if facts.consent == "granted" and facts.basis == "soft-opt-in":
        if facts.channel not in SOFT_OPT_IN_CHANNELS:
            return f"the soft opt-in covers email and SMS only, not {facts.channel}"
        if facts.soft_opt_in is None:
            return "the soft opt-in's conditions were not recorded"
        return "the soft opt-in does not hold: missing " + ", ".join(facts.soft_opt_in.missing())
    if facts.consent == "granted":
        return "a specific agreement to calls covers the phone channel only"
    return f"no consent or soft opt-in is recorded for {facts.channel} marketing"
