"""Identity normalisation: a table of inputs, the phone forms a field may hold, and a
property (normalising twice changes nothing)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.subjects.identity import (
    KINDS,
    Identity,
    IdentityInvalid,
    lenient,
    normalise,
    parse,
    stored_forms,
)


@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        ("email", "  Ann.Smith@Example.UK ", "ann.smith@example.uk"),
        ("email", "a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
        ("phone", "01482 123456", "+441482123456"),
        ("phone", "01482123456", "+441482123456"),
        ("phone", "+44 1482 123456", "+441482123456"),
        ("phone", "0044 1482 123456", "+441482123456"),
        ("phone", "(01482) 123-456", "+441482123456"),
        ("phone", "07700 900123", "+447700900123"),  # Ofcom drama range: possible, not valid
        ("phone", "+353 1 234 5678", "+35312345678"),
        ("phone", "+1 202 555 0143", "+12025550143"),
        ("customer_id", "  C-00123 ", "C-00123"),  # ids keep their case and leading zeros
        ("account_number", "\tNW0001234\n", "NW0001234"),
        ("postcode", "hu1  1aa", "HU1 1AA"),
        ("ip_address", "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_normalise(kind: str, given: str, expected: str) -> None:
    assert normalise(kind, given) == expected


@pytest.mark.parametrize(
    ("kind", "given", "message"),
    [
        ("email", "ann.example.uk", "email 'ann.example.uk' is not an email address"),
        ("email", "ann@localhost", "is not an email address"),
        ("email", "a b@example.uk", "is not an email address"),
        ("phone", "12", "phone '12' is not a phone number: wrong length"),
        ("phone", "call me", "phone 'call me' is not a phone number"),
        ("phone", "01482 123456 789", "wrong length"),
        ("customer_id", "   ", "the customer id is empty"),
        ("postcode", "HU1", "is not a UK postcode"),
        ("ip_address", "300.1.1.1", "is not an IP address"),
        ("shoe_size", "9", "'shoe_size' is not an identity kind; use one of: email, phone"),
    ],
)
def test_invalid_values_are_refused_naming_the_identity(
    kind: str, given: str, message: str
) -> None:
    with pytest.raises(IdentityInvalid, match=message.replace("(", r"\(")) as caught:
        normalise(kind, given)
    assert caught.value.kind == kind


def test_phone_forms_cover_e164_and_uk_national_with_and_without_spaces() -> None:
    assert stored_forms("phone", "+441482123456") == [
        "+441482123456",
        "+44 1482 123456",
        "01482 123456",
        "01482123456",
    ]
    assert stored_forms("email", "a@x.uk") == ["a@x.uk"]
    assert Identity("phone", "+447700900123").forms[2] == "07700 900123"


def test_parse_reports_every_bad_value_and_drops_duplicates() -> None:
    assert parse([("email", "A@x.uk"), ("email", "a@x.uk ")]) == [Identity("email", "a@x.uk")]
    with pytest.raises(IdentityInvalid, match=r"email 'x' .*; phone '1' "):
        parse([("email", "x"), ("phone", "1"), ("customer_id", "7")])


def test_lenient_skips_junk_read_from_a_database() -> None:
    values = lenient("phone", ["01482 123456", None, "n/a", "+441482123456", 441482123456])
    assert values == ["+441482123456", "+44 1482 123456", "01482 123456", "01482123456"]


uk_numbers = st.builds(
    lambda area, rest, style: style.format(area=area, rest=rest),
    st.sampled_from(["1482", "20", "113", "7700", "1632"]),
    st.from_regex(r"[2-9][0-9]{5}", fullmatch=True),
    st.sampled_from(["0{area}{rest}", "0{area} {rest}", "+44{area}{rest}", "+44 {area} {rest}"]),
)
texts = st.text(st.characters(codec="utf-8"), max_size=30)


@given(st.sampled_from(KINDS), texts)
def test_normalise_is_idempotent_on_anything_it_accepts(kind: str, value: str) -> None:
    try:
        once = normalise(kind, value)
    except IdentityInvalid:
        return
    assert normalise(kind, once) == once


@given(uk_numbers)
def test_every_stored_form_of_a_phone_normalises_back(number: str) -> None:
    try:
        canonical = normalise("phone", number)
    except IdentityInvalid:
        return  # some generated numbers have the wrong length for their area
    assert all(normalise("phone", form) == canonical for form in stored_forms("phone", canonical))


@given(st.emails())
def test_emails_normalise_idempotently(address: str) -> None:
    try:
        once = normalise("email", f" {address.upper()} ")
    except IdentityInvalid:
        return
    assert once == normalise("email", once) == once.lower()
