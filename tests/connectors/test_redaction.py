"""One rule keeps passwords out of messages, for well-formed and malformed URLs alike."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.connectors.redaction import redact, redact_all, redact_url, scrub, secrets_of
from pledge.connectors.urls import hide_password

SECRET = "Hunter2secret"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:S@db:5432/crm", "postgresql://app:***@db:5432/crm"),
        ("postgresql://app:pa/S@db:5432/crm", "postgresql://app:***@db:5432/crm"),
        ("postgresql://app:S@x@db/crm", "postgresql://app:***@db/crm"),
        ("postgresq://app:S@db/crm", "postgresq://app:***@db/crm"),
        ("postgresql:/app:S@db/crm", "postgresql:/app:***@db/crm"),
        ("postgresql//app:S@db/crm", "postgresql//app:***@db/crm"),
        ("postgresql:app:S@db/crm", "postgresql:app:***@db/crm"),
        ("duckdb:app:x//y:/z@db", "duckdb:app:***@db"),
        ("postgresql://app:S@[::1/crm", "postgresql://app:***@[::1/crm"),
        ("mysql://app@db/crm?password=S&ssl=1", "mysql://app@db/crm?password=***&ssl=1"),
        ("mysql://app@db/crm?sslpassword=S", "mysql://app@db/crm?sslpassword=***"),
        ("postgresql://app@db/crm", "postgresql://app@db/crm"),
        ("sqlite:///crm.sqlite", "sqlite:///crm.sqlite"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert hide_password(url) == shown
    assert redact(f"cannot open ({url}): refused") == f"cannot open ({shown}): refused"


@pytest.mark.parametrize(
    "text", ["ada@example.org", "email ada@example.org", "to:ada@example.org", "a: b"]
)
def test_addresses_and_ordinary_text_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_a_drivers_text_loses_the_password_and_its_pieces() -> None:
    url = f"postgresql://app:{SECRET}@rest@db/crm"
    # libpq splits at the first "@": the host it names carries the rest of the password.
    text = f"failed to resolve host 'rest@db'; password {SECRET} rejected"
    scrubbed = scrub(text, url)
    assert SECRET not in scrubbed and "rest" not in scrubbed
    assert secrets_of("mysql://app@db/crm?password=abcd") == ["abcd"]


def test_redact_all_walks_json() -> None:
    found = redact_all({"a": [f"postgresql://u:{SECRET}@h/d"], "n": 1, "b": {"c": "x"}})
    assert found == {"a": ["postgresql://u:***@h/d"], "n": 1, "b": {"c": "x"}}


_PASSWORD = st.text(
    st.characters(blacklist_characters=" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0"), min_size=1
).filter(str.strip)


@given(
    st.sampled_from(["postgresql://", "postgresql:/", "postgresql//", "mysql://", "duckdb:"]),
    _PASSWORD,
)
def test_no_password_survives(prefix: str, password: str) -> None:
    url = f"{prefix}app:{password}@db:5432/crm"
    assert redact_url(url) == f"{prefix}app:***@db:5432/crm"
