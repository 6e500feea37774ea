"""Decision tables for ``may_contact``: one row per PECR rule, and their precedence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.rules.consent import REFUSALS, Facts, Reason, SoftOptIn, may_contact

SALE = SoftOptIn(obtained_in_sale=True, similar_products=True, refusal_offered=True)
NOT_SIMILAR = SoftOptIn(obtained_in_sale=True, similar_products=False, refusal_offered=True)


@pytest.mark.parametrize(
    ("facts", "reason", "rule"),
    [
        # Per-channel consent or the soft opt-in.
        (Facts("email", "granted"), Reason.CONSENT, "consent for the channel"),
        (Facts("email"), Reason.NO_CONSENT, "nothing recorded"),
        (Facts("sms", "granted", "soft-opt-in", SALE), Reason.SOFT_OPT_IN, "valid soft opt-in"),
        (Facts("email", "granted", "soft-opt-in", NOT_SIMILAR), Reason.NO_CONSENT, "not similar"),
        (Facts("email", "granted", "soft-opt-in"), Reason.NO_CONSENT, "conditions unrecorded"),
        (Facts("post", "granted", "soft-opt-in", SALE), Reason.NO_CONSENT, "email and SMS only"),
        (Facts("phone", "granted", "soft-opt-in", SALE), Reason.NO_CONSENT, "not for calls"),
        (Facts("post", "granted"), Reason.CONSENT, "post with consent"),
        # Withdrawal and objection win.
        (Facts("email", "withdrawn"), Reason.WITHDRAWN, "withdrawn"),
        (Facts("email", "granted", objected=True), Reason.OBJECTED, "objection is absolute"),
        (Facts("sms", "granted", "soft-opt-in", SALE, objected=True), Reason.OBJECTED, "over SOI"),
        # Restriction and erasure win.
        (Facts("email", "granted", restricted=True), Reason.RESTRICTED, "restricted"),
        (Facts("email", "granted", erased=True), Reason.ERASED, "erased"),
        # Suppression wins.
        (Facts("email", "granted", suppressed=True), Reason.SUPPRESSED, "suppressed"),
        # Phone: off TPS/CTPS unless the person specifically agreed.
        (Facts("phone", "granted"), Reason.CONSENT, "consented number off the registers"),
        (Facts("phone", "granted", on_tps=True), Reason.TPS, "on TPS"),
        (Facts("phone", "granted", on_ctps=True), Reason.CTPS, "on CTPS"),
        (
            Facts("phone", "granted", "specific-agreement", on_tps=True),
            Reason.SPECIFIC_AGREEMENT,
            "on TPS but specifically agreed",
        ),
        (
            Facts("phone", "granted", "specific-agreement", on_ctps=True),
            Reason.SPECIFIC_AGREEMENT,
            "on CTPS but specifically agreed",
        ),
        (Facts("phone", "granted", "specific-agreement"), Reason.CONSENT, "agreed, off registers"),
        (Facts("email", "granted", "specific-agreement"), Reason.NO_CONSENT, "calls only"),
        (Facts("phone", "withdrawn", on_tps=True), Reason.WITHDRAWN, "withdrawn before TPS"),
        (Facts("email", on_tps=True), Reason.NO_CONSENT, "TPS does not matter for email"),
        (Facts("sms", "granted", on_tps=True), Reason.CONSENT, "TPS covers live calls only"),
        # Unreadable identifiers are refused before anything else.
        (Facts("email", "granted", identifier_valid=False), Reason.INVALID_IDENTIFIER, "invalid"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_rule(facts: Facts, reason: Reason, rule: str) -> None:
    decision = may_contact(facts)
    assert decision.reason is reason, rule
    assert decision.allowed is (reason not in REFUSALS)
    assert decision.explanation


def test_missing_soft_opt_in_condition_is_named() -> None:
    decision = may_contact(Facts("email", "granted", "soft-opt-in", NOT_SIMILAR))
    assert "similar products" in decision.explanation


@pytest.mark.parametrize(
    ("weightier", "lighter"),
    [
        ({"identifier_valid": False}, {"erased": True}),
        ({"erased": True}, {"restricted": True}),
        ({"restricted": True}, {"objected": True}),
        ({"objected": True}, {"suppressed": True}),
        ({"suppressed": True}, {"consent": "withdrawn"}),
        ({"consent": "withdrawn"}, {"on_tps": True}),
        ({"on_tps": True}, {"on_ctps": True}),
    ],
)
def test_precedence(weightier: dict[str, object], lighter: dict[str, object]) -> None:
    both = {"consent": "granted", **lighter, **weightier}
    only_weightier = {"consent": "granted", **weightier}
    facts = Facts("phone", **both)  # type: ignore[arg-type]
    assert may_contact(facts).reason is may_contact(Facts("phone", **only_weightier)).reason  # type: ignore[arg-type]


@given(
    channel=st.sampled_from(["email", "sms", "phone", "post", "social", "online-advertising"]),
    consent=st.sampled_from([None, "granted", "withdrawn"]),
    basis=st.sampled_from(["consent", "soft-opt-in", "specific-agreement"]),
    flags=st.fixed_dictionaries(
        {name: st.booleans() for name in ("objected", "restricted", "erased", "suppressed")}
    ),
)
def test_any_blocking_fact_refuses(
    channel: str, consent: str | None, basis: str, flags: dict[str, bool]
) -> None:
    facts = Facts(channel, consent, basis, SALE, **flags)  # type: ignore[arg-type]
    decision = may_contact(facts)
    if any(flags.values()) or consent != "granted":
        assert not decision.allowed
