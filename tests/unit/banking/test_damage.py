"""Damaged files: a parser returns a result or raises StatementError, nothing else."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from belegsync.banking import StatementError, parse_statement_file
from belegsync.banking.camt import parse_camt
from belegsync.banking.csv_format import parse_csv
from belegsync.banking.csv_presets import ING, SPARKASSE
from belegsync.banking.model import ParsedStatement
from belegsync.banking.mt940_format import parse_mt940
from unit.banking.fixtures import fixture

Parser = Callable[[bytes], object]

CASES: list[tuple[str, Parser]] = [
    ("camt053_v02_sparkasse.xml", parse_camt),
    ("camt053_v08_dkb.xml", parse_camt),
    ("camt052_v02_intraday.xml", parse_camt),
    ("camt052_v08_intraday.xml", parse_camt),
    ("mt940_sparkasse.sta", parse_mt940),
    ("csv_sparkasse_camt_v2_cp1252.csv", lambda d: parse_csv(d, SPARKASSE)),
    ("csv_ing_utf8bom.csv", lambda d: parse_csv(d, ING)),
    ("csv_ing_cp1252.csv", lambda d: parse_csv(d)),
    ("camt_daily_statements.zip", lambda d: parse_statement_file(d, "x.zip")),
]

GARBAGE = st.sampled_from(
    [
        b"<",
        b">",
        b"&",
        b"\x00",
        b"\xff\xfe",
        b":61:",
        b":86:?20",
        b"?",
        b";",
        b'"',
        b"\r\n",
        b"-",
        b",",
        b"<Ntry>",
        b"</Amt>",
        b"]]>",
        b"<!ENTITY x 'y'>",
        b"9" * 30,
        b"\xe4",
    ]
)


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "delete_line", "insert", "duplicate_line"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            position = draw(st.integers(0, len(out) - 1))
            out[position] = draw(st.integers(0, 255))
        return bytes(out)
    lines = data.split(b"\n")
    index = draw(st.integers(0, len(lines) - 1))
    if kind == "delete_line":
        del lines[index]
    elif kind == "duplicate_line":
        lines.insert(index, lines[index])
    else:
        line = lines[index]
        cut = draw(st.integers(0, len(line)))
        lines[index] = line[:cut] + draw(GARBAGE) + line[cut:]
    return b"\n".join(lines)


def _check(parser: Parser, data: bytes) -> None:
    try:
        result = parser(data)
    except StatementError as error:
        assert error.location is not None
        assert error.message and error.message_en
        return
    statements = result if isinstance(result, list) else [result]
    for statement in statements:
        assert isinstance(statement, ParsedStatement)
        for txn in statement.transactions:
            assert isinstance(txn.amount_cents, int)


@pytest.mark.parametrize(("name", "parser"), CASES, ids=[c[0] for c in CASES])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damage_never_escapes_as_another_exception(
    name: str, parser: Parser, data: st.DataObject
) -> None:
    _check(parser, data.draw(damaged(fixture(name))))


def _zip_with(member: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", member)
    return buffer.getvalue()


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_damaged_zip_container(data: st.DataObject) -> None:
    raw = _zip_with(fixture("camt053_v08_dkb.xml"))
    _check(lambda d: parse_statement_file(d, "x.zip", "zip"), data.draw(damaged(raw)))
