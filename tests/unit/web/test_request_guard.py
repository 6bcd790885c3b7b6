"""The strict JSON reader and the NUL check, byte by byte."""

from __future__ import annotations

from decimal import Decimal

import pytest

from belegsync.domain.dates import parse_day
from belegsync.domain.errors import InvalidInput
from belegsync.web.request_guard import BadRequestInput, check_no_nul, parse_json_body

JSON = "application/json"


def test_well_formed_json_is_read_with_decimals() -> None:
    body = b'{"amount": -12.34, "n": 3, "text": "Gr\xc3\xbc\xc3\x9fe", "ok": true}'
    assert parse_json_body(body, "application/json; charset=utf-8") == {
        "amount": Decimal("-12.34"),
        "n": 3,
        "text": "Grüße",
        "ok": True,
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "json_malformed"),
        (b"[1, 2", "json_malformed"),
        (b"[Infinity]", "json_number_invalid"),
        (b"[-1e15]", "json_number_out_of_range"),
        (b"[" * 33 + b"]" * 33, "json_too_deep"),
        (b'["\\udc00"]', "json_text_invalid"),
        (b'{"\\u0000": 1}', "nul_character"),
    ],
)
def test_refusals_name_their_reason(body: bytes, code: str) -> None:
    with pytest.raises(BadRequestInput) as refused:
        parse_json_body(body, JSON)
    assert refused.value.code == code and refused.value.status == 400


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert parse_json_body(b'["' + b"[" * 100 + b'"]', JSON) == ["[" * 100]


def test_size_and_content_type() -> None:
    with pytest.raises(BadRequestInput) as large:
        parse_json_body(b" " * 1_000_001, JSON)
    assert large.value.status == 413
    with pytest.raises(BadRequestInput) as form:
        parse_json_body(b"a=1", "application/x-www-form-urlencoded")
    assert form.value.status == 415


def test_nul_check_sees_encoded_and_plain_nul() -> None:
    check_no_nul(b"q=abc&page=2", where="query string")
    for raw in (b"q=%00", b"q=a%00b", "q=\x00"):
        with pytest.raises(BadRequestInput):
            check_no_nul(raw, where="query string")


@pytest.mark.parametrize("text", ["31.12.2027", "2027-12-31", " 31.12.2027 "])
def test_days_in_german_or_iso_form(text: str) -> None:
    assert parse_day(text).isoformat() == "2027-12-31"


@pytest.mark.parametrize("text", ["31.02.2027", "12/31/2027", "31.12.27", "", "1.1.99999"])
def test_anything_else_is_a_clear_message(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"TT\.MM\.JJJJ"):
        parse_day(text)
