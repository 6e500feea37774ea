"""Field strategies: masks keep the type and shape, hashes are keyed and stable, keys refuse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.dsr.strategies import (
    HASH_PREFIX,
    MASKED_DATE,
    StrategyError,
    hashed,
    is_erased,
    keyed_hash,
    mask,
    transform,
    width_of,
)


def test_mask_keeps_type_and_punctuation() -> None:
    assert mask("ann.smith@example.uk") == "***.*****@*******.**"
    assert mask("+44 1482 600123") == "+** **** ******"
    assert mask(1234) == 0
    assert mask(Decimal("12.50")) == Decimal(0)
    assert mask(3.5) == 0.0
    assert mask(date(1984, 5, 6)) == MASKED_DATE
    moment = mask(datetime(2020, 1, 2, 3, 4, tzinfo=UTC))
    assert moment == datetime(1970, 1, 1, tzinfo=UTC)
    assert mask(None) is None
    assert mask(True) is False
    assert mask(b"abc") == b""


def test_mask_refuses_what_it_cannot_shape() -> None:
    with pytest.raises(StrategyError, match="cannot mask a list"):
        mask([1, 2])


def test_hash_is_keyed_and_stable() -> None:
    one = hashed("ann@example.uk", "key-1")
    assert one == hashed("ann@example.uk", "key-1")
    assert one != hashed("ann@example.uk", "key-2")
    assert one.startswith(HASH_PREFIX) and len(one) == len(HASH_PREFIX) + 64
    assert 0 <= hashed(123456, "k") < 2**31
    assert hashed(None, "k") is None


def test_hash_without_key_refuses_before_any_row() -> None:
    with pytest.raises(StrategyError, match="PLEDGE_HASH_KEY"):
        transform("hash", key=None)
    with pytest.raises(StrategyError, match="PLEDGE_HASH_KEY"):
        keyed_hash("", "x")


def test_hash_of_a_date_is_refused() -> None:
    with pytest.raises(StrategyError, match="cannot hash a date"):
        hashed(date(2020, 1, 1), "k")


def test_keep_leaves_the_value() -> None:
    assert transform("keep", key=None)("Ann") == "Ann"
    assert transform("nullify", key=None)("Ann") is None


@given(st.text(min_size=1), st.sampled_from(["nullify", "mask", "hash"]))
def test_every_strategy_erases_text_with_letters(value: str, strategy: str) -> None:
    after = transform(strategy, key="k")(value)  # type: ignore[arg-type]
    assert is_erased(strategy, value, after, key="k")  # type: ignore[arg-type]
    if any(ch.isalnum() for ch in value):
        assert after != value


def test_a_hash_is_cut_to_the_column_and_stays_stable() -> None:
    full = hashed("cookie-123", "k")
    cut = hashed("cookie-123", "k", width=36)
    assert len(cut) == 36 and full.startswith(cut)
    assert hashed("cookie-123", "k", width=36) == cut
    assert hashed("cookie-123", "k", width=100) == full
    with pytest.raises(StrategyError, match="too narrow"):
        hashed("cookie-123", "k", width=12)
    assert (width_of("character varying(36)"), width_of("text")) == (36, None)
