"""Real voucher PDFs: one A4 page or more of Helvetica text, uncompressed.

Written directly (PDF 1.3 objects and a cross-reference table) rather than through a
layout library: a fleet benchmark downloads thousands of freshly rendered vouchers per
minute, and a general PDF library spends milliseconds per file where this takes tens of
microseconds. The page looks like a simple invoice: issuer, recipient, number and
dates, one line per tax rate, tax and total, an optional note. The widths of the core
font come from fpdf2's metrics, so right-aligned amounts line up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from fpdf.fonts import CORE_FONTS_CHARWIDTHS

from belegsync.emulator.jsonenc import money_text

_K = 72 / 25.4  # points per millimetre
_PAGE_W, _PAGE_H = 210.0, 297.0  # A4 in mm (fpdf's 595.28 x 841.89 pt)
_MARGIN = 10.0  # left, right and top margin (mm)
_BOTTOM = _PAGE_H - 20.0  # a new page starts below this line
_CELL_PAD = 1.0  # space between a cell's edge and its text (mm)
_WIDTHS = {
    False: CORE_FONTS_CHARWIDTHS["helvetica"],
    True: CORE_FONTS_CHARWIDTHS["helveticaB"],
}
_FONT_NAME = {True: "F1", False: "F2"}  # F1 Helvetica-Bold, F2 Helvetica


@dataclass(frozen=True)
class DocumentText:
    """Everything a rendered voucher shows; shared by the PDF, image and XML renderers."""

    title: str
    number: str
    date_text: str
    issuer: str
    recipient: str
    lines: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # name, rate, gross
    total_gross: Decimal = Decimal("0.00")
    total_tax: Decimal = Decimal("0.00")
    due_text: str | None = None
    note: str | None = None


def latin1(text: str) -> str:
    """Core PDF fonts only know latin-1; umlauts survive, anything else is replaced."""
    return text.encode("latin-1", "replace").decode("latin-1")


def euro(amount: Decimal) -> str:
    whole, cents = money_text(amount).split(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    grouped = f"{int(digits):,}".replace(",", ".")
    return f"{sign}{grouped},{cents} EUR"


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return "(" + escaped.replace("\r", "\\r") + ")"


class _Page:
    """A cursor over A4 pages in millimetres, with fpdf's cell conventions."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = []
        self.bold = False
        self.size = 11.0
        self._new_page()

    def _new_page(self) -> None:
        self.ops: list[str] = ["2 J", "0.57 w"]
        self.pages.append(self.ops)
        self.x, self.y = _MARGIN, _MARGIN
        self._set_font_op()

    def _set_font_op(self) -> None:
        self.ops.append(f"BT /{_FONT_NAME[self.bold]} {self.size:.2f} Tf ET")

    def font(self, *, bold: bool, size: float) -> None:
        self.bold, self.size = bold, size
        self._set_font_op()

    def width(self, text: str) -> float:
        """Width of ``text`` in mm at the current font."""
        widths = _WIDTHS[self.bold]
        return sum(widths.get(c, 500) for c in text) * self.size / 1000 / _K

    def cell(
        self,
        w: float,
        h: float,
        text: str,
        *,
        right: bool = False,
        underline: bool = False,
        newline: bool = False,
    ) -> None:
        if self.y + h > _BOTTOM:
            self._new_page()
        if w == 0:
            w = _PAGE_W - _MARGIN - self.x
        text = latin1(text)
        if underline:
            bottom = (_PAGE_H - (self.y + h)) * _K
            self.ops.append(
                f"{self.x * _K:.2f} {bottom:.2f} m {(self.x + w) * _K:.2f} {bottom:.2f} l S"
            )
        if text:
            dx = w - _CELL_PAD - self.width(text) if right else _CELL_PAD
            baseline = self.y + 0.5 * h + 0.3 * self.size / _K
            tx, ty = (self.x + dx) * _K, (_PAGE_H - baseline) * _K
            self.ops.append(f"BT {tx:.2f} {ty:.2f} Td {_literal(text)} Tj ET")
        if newline:
            self.x = _MARGIN
            self.y += h
        else:
            self.x += w

    def ln(self, h: float) -> None:
        self.x = _MARGIN
        self.y += h

    def paragraph(self, h: float, text: str) -> None:
        """Word-wrapped lines across the page (left-aligned)."""
        room = _PAGE_W - 2 * _MARGIN - 2 * _CELL_PAD
        for raw_line in latin1(text).split("\n"):
            line = ""
            for word in raw_line.split(" "):
                candidate = f"{line} {word}" if line else word
                if line and self.width(candidate) > room:
                    self.cell(0, h, line, newline=True)
                    candidate = word
                while self.width(candidate) > room and len(candidate) > 1:
                    # a word longer than the line: cut it where it fills the line
                    cut = len(candidate)
                    while cut > 1 and self.width(candidate[:cut]) > room:
                        cut -= 1
                    self.cell(0, h, candidate[:cut], newline=True)
                    candidate = candidate[cut:]
                line = candidate
            self.cell(0, h, line, newline=True)


def _layout(doc: DocumentText) -> list[list[str]]:
    page = _Page()
    page.font(bold=True, size=16)
    page.cell(0, 10, doc.issuer, newline=True)
    page.font(bold=False, size=11)
    page.cell(0, 7, f"An: {doc.recipient}", newline=True)
    page.ln(6)
    page.font(bold=True, size=14)
    page.cell(0, 9, f"{doc.title} Nr. {doc.number}", newline=True)
    page.font(bold=False, size=11)
    page.cell(0, 7, f"Datum: {doc.date_text}", newline=True)
    if doc.due_text:
        page.cell(0, 7, f"Fällig am: {doc.due_text}", newline=True)
    page.ln(4)
    page.font(bold=True, size=11)
    page.cell(110, 8, "Position", underline=True)
    page.cell(25, 8, "USt.", underline=True, right=True)
    page.cell(45, 8, "Brutto", underline=True, right=True, newline=True)
    page.font(bold=False, size=11)
    for name, rate, gross in doc.lines:
        page.cell(110, 7, name)
        page.cell(25, 7, f"{rate.normalize():f} %", right=True)
        page.cell(45, 7, euro(gross), right=True, newline=True)
    page.ln(3)
    page.cell(135, 7, "davon Umsatzsteuer", right=True)
    page.cell(45, 7, euro(doc.total_tax), right=True, newline=True)
    page.font(bold=True, size=12)
    page.cell(135, 8, "Gesamtbetrag", right=True)
    page.cell(45, 8, euro(doc.total_gross), right=True, newline=True)
    if doc.note:
        page.ln(8)
        page.font(bold=False, size=10)
        page.paragraph(6, doc.note)
    return page.pages


def render_pdf(doc: DocumentText) -> bytes:
    """The voucher as PDF bytes; the same document gives the same bytes every time."""
    pages = _layout(doc)
    # objects: 1 pages, 2 catalog, 3 fonts, 4 info, then page + content per page
    first = 5
    kids = " ".join(f"{first + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        f"<<\n/Count {len(pages)}\n/Kids [{kids}]\n/MediaBox [0 0 595.28 841.89]\n/Type /Pages\n>>",
        "<<\n/OpenAction [5 0 R /FitH null]\n/PageLayout /OneColumn\n/Pages 1 0 R\n"
        "/Type /Catalog\n>>",
        "<<\n/Font <</F1 <</BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding "
        "/Subtype /Type1 /Type /Font>>\n/F2 <</BaseFont /Helvetica /Encoding /WinAnsiEncoding "
        "/Subtype /Type1 /Type /Font>>>>\n/ProcSet [/PDF /Text]\n>>",
        "<<\n/CreationDate (D:20240101000000Z)\n/Creator (belegsync Lexware emulator)\n"
        f"/Title {_literal(latin1(f'{doc.title} {doc.number}'))}\n>>",
    ]
    for index, ops in enumerate(pages):
        stream = "\n".join(ops) + "\n"
        objects.append(
            f"<<\n/Contents {first + 2 * index + 1} 0 R\n/Parent 1 0 R\n/Resources 3 0 R\n"
            "/Type /Page\n>>"
        )
        objects.append(
            f"<<\n/Length {len(stream.encode('latin-1'))}\n>>\nstream\n{stream}endstream"
        )
    out = bytearray(b"%PDF-1.3\n%\xe9\xeb\xf1\xbf\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    digest = hashlib.md5(out, usedforsecurity=False).hexdigest().upper()
    table = "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += (
        f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n{table}"
        f"trailer\n<<\n/Size {len(objects) + 1}\n/Root 2 0 R\n/Info 4 0 R\n"
        f"/ID [<{digest}><{digest}>]\n>>\nstartxref\n{xref}\n%%EOF\n"
    ).encode("latin-1")
    return bytes(out)
