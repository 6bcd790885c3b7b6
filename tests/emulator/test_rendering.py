"""Voucher files and JSON as the emulator writes them: valid, complete, reproducible."""

from __future__ import annotations

import enum
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image

from belegsync.emulator.images import render_image
from belegsync.emulator.jsonenc import dumps
from belegsync.emulator.pdf import DocumentText, render_pdf

DOC = DocumentText(
    title="Rechnung",
    number="RE-(7)\\1",
    date_text="01.02.2025",
    issuer="Müller & Söhne GmbH",
    recipient="Kunde €",
    lines=[("Leistung", Decimal(19), Decimal("1190.00")), ("Buch", Decimal(7), Decimal("10.70"))],
    total_gross=Decimal("1200.70"),
    total_tax=Decimal("190.70"),
    due_text="01.03.2025",
    note="Vielen Dank.",
)


def check_structure(pdf: bytes) -> int:
    """Offsets of the cross-reference table, stream lengths, the end marker; the page count."""
    assert pdf.startswith(b"%PDF-1.3\n") and pdf.endswith(b"%%EOF\n")
    startxref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[startxref:].startswith(b"xref\n0 ")
    table = pdf[startxref:].split(b"\n")
    count = int(table[1].split()[1])
    offsets = [int(line[:10]) for line in table[3 : 2 + count]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(f"{number} 0 obj\n".encode())
    for match in re.finditer(rb"/Length (\d+)\n>>\nstream\n", pdf):
        end = match.end() + int(match.group(1))
        assert pdf[end:].startswith(b"endstream\n")
    assert f"/Size {count}".encode() in pdf
    return int(re.search(rb"/Count (\d+)", pdf).group(1))  # type: ignore[union-attr]


def test_pdf_is_well_formed_and_shows_the_voucher() -> None:
    pdf = render_pdf(DOC)
    assert check_structure(pdf) == 1
    text = pdf.decode("latin-1")
    for shown in ("Müller & Söhne GmbH", "An: Kunde ?", "1.190,00 EUR", "1.200,70 EUR"):
        assert f"({shown})" in text
    assert r"(Rechnung Nr. RE-\(7\)\\1)" in text
    assert "Fällig am: 01.03.2025" in text and "Vielen Dank." in text
    assert render_pdf(DOC) == pdf  # the same voucher, the same bytes (tests compare hashes)


def test_amounts_are_right_aligned() -> None:
    text = render_pdf(DOC).decode("latin-1")

    def x_of(shown: str) -> float:
        match = re.search(rf"BT ([\d.]+) [\d.]+ Td \({re.escape(shown)}\) Tj ET", text)
        assert match is not None, shown
        return float(match.group(1))

    # a wider amount starts further left; both end at the column's right edge
    assert x_of("1.190,00 EUR") < x_of("10,70 EUR")


def test_a_long_note_wraps_and_continues_on_a_second_page() -> None:
    long_note = DocumentText(title="Rechnung", number="1", date_text="", issuer="", recipient="")
    words = " ".join(f"Wort{i}" for i in range(2500)) + " " + "X" * 400
    pdf = render_pdf(DocumentText(**{**long_note.__dict__, "note": words}))
    assert check_structure(pdf) >= 2
    lines = re.findall(rb"\(([^()]*)\) Tj", pdf)
    assert max(len(line) for line in lines) < 130
    assert b"Wort2499" in pdf


@pytest.mark.parametrize(("kind", "magic"), [("png", b"\x89PNG\r\n\x1a\n"), ("jpg", b"\xff\xd8")])
def test_receipt_images_decode(kind: str, magic: bytes) -> None:
    data = render_image(DOC, kind)
    assert data.startswith(magic)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (360, 240 + 18 * len(DOC.lines))
    assert render_image(DOC, kind) == data


class Kind(enum.StrEnum):
    PAID = "paid"


def test_json_matches_the_standard_writer_and_keeps_money_exact() -> None:
    plain: dict[str, Any] = {"a": [1, True, None, 'ü"\\\n\u2028', {"b": []}], "c": {}, "d": (1, 2)}
    assert dumps(plain) == json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()
    assert dumps({"x": Decimal("19"), "y": Decimal("-0.5"), "z": Decimal("1E+2")}) == (
        b'{"x":19.00,"y":-0.50,"z":100.00}'
    )
    assert dumps([Kind.PAID, {1: 2}]) == b'["paid",{"1":2}]'
    with pytest.raises(TypeError):
        dumps({"amount": 1.5})
