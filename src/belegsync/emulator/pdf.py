"""Real voucher PDFs rendered with fpdf2 (core font, latin-1 text, uncompressed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from fpdf import FPDF

from belegsync.emulator.jsonenc import money_text


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


def render_pdf(doc: DocumentText) -> bytes:
    pdf = FPDF(format="A4")
    # Uncompressed so that tests (and curious humans) can find the text in the bytes.
    pdf.set_compression(False)
    pdf.set_title(latin1(f"{doc.title} {doc.number}"))
    pdf.set_creator("belegsync Lexware emulator")
    # fpdf2 stamps the wall-clock time; a fixed date keeps a voucher's file the same
    # bytes in every emulator instance (tests compare sha256 against a clean sync).
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, latin1(doc.issuer), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 7, latin1(f"An: {doc.recipient}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 9, latin1(f"{doc.title} Nr. {doc.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 7, latin1(f"Datum: {doc.date_text}"), new_x="LMARGIN", new_y="NEXT")
    if doc.due_text:
        pdf.cell(0, 7, latin1(f"Fällig am: {doc.due_text}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(110, 8, "Position", border="B")
    pdf.cell(25, 8, "USt.", border="B", align="R")
    pdf.cell(45, 8, "Brutto", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for name, rate, gross in doc.lines:
        pdf.cell(110, 7, latin1(name))
        pdf.cell(25, 7, f"{rate.normalize():f} %", align="R")
        pdf.cell(45, 7, euro(gross), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.cell(135, 7, "davon Umsatzsteuer", align="R")
    pdf.cell(45, 7, euro(doc.total_tax), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(135, 8, "Gesamtbetrag", align="R")
    pdf.cell(45, 8, euro(doc.total_gross), align="R", new_x="LMARGIN", new_y="NEXT")
    if doc.note:
        pdf.ln(8)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 6, latin1(doc.note))
    return bytes(pdf.output())
