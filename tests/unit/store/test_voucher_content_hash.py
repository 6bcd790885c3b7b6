"""The content hash of a voucher is the canonical jsoncodec encoding, computed in C.

Stored vouchers keep their hash: a rerun must not see every voucher as changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from belegsync.store import jsoncodec
from belegsync.store.jsoncodec import content_hash
from belegsync.store.voucher_repository import voucher_content_hash

DOCUMENTS: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
    ({"id": "v1", "totalGrossAmount": Decimal("119.00")}, None),
    (
        {
            "b": [1, Decimal("-0.50"), Decimal("1E+2"), None, True, False],
            "a": {"z": 'Ä\\"\n\t\u2028😀\x00', "é": 2, "E": 3, "e": 4},
            "remark": "",
        },
        {"paymentItems": [{"amount": Decimal("238.00")}], "openAmount": 0},
    ),
    ({"big": 10**30, "tiny": Decimal("0.0000001")}, {"nested": [[{"k": []}]]}),
]


@pytest.mark.parametrize(("detail", "payments"), DOCUMENTS)
def test_the_hash_is_the_reference_encodings(
    detail: dict[str, Any], payments: dict[str, Any] | None
) -> None:
    assert voucher_content_hash(detail, payments) == content_hash(detail, payments)


def test_what_the_fast_encoder_refuses_gets_the_reference_answer() -> None:
    lone_surrogate = {"a": "\ud800"}
    with pytest.raises(UnicodeEncodeError):
        content_hash(lone_surrogate, None)
    with pytest.raises(UnicodeEncodeError):
        voucher_content_hash(lone_surrogate, None)


def test_key_order_does_not_matter_but_digits_do() -> None:
    first = voucher_content_hash({"a": Decimal("1.10"), "b": 1}, None)
    assert voucher_content_hash({"b": 1, "a": Decimal("1.10")}, None) == first
    assert voucher_content_hash({"a": Decimal("1.1"), "b": 1}, None) != first


_JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.decimals(allow_nan=False, allow_infinity=False, places=None)
    | st.text()
)
_JSON = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), _JSON, max_size=6) | st.lists(_JSON, max_size=6))
@settings(deadline=None)
def test_the_c_encoder_writes_the_reference_text(document: Any) -> None:
    for sort_keys in (False, True):
        try:
            expected = jsoncodec.reference_dumps(document, sort_keys=sort_keys)
        except ValueError:
            continue  # what the reference refuses is not compared
        assert jsoncodec.dumps(document, sort_keys=sort_keys) == expected
