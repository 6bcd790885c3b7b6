"""Scanned-receipt style PNG/JPEG images and XRechnung XML for emulated vouchers."""

from __future__ import annotations

import io
from functools import cache
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from belegsync.emulator.jsonenc import money_text
from belegsync.emulator.pdf import DocumentText, euro, latin1


@cache
def _font() -> ImageFont.ImageFont:
    """Pillow's built-in bitmap font, loaded once: it draws a receipt in a fraction of a
    millisecond, where the scalable default font takes several."""
    return ImageFont.load_default_imagefont()


def render_image(doc: DocumentText, image_format: str) -> bytes:
    """A small greyscale receipt image, like a scan; image_format is "png" or "jpg"."""
    image = Image.new("L", (360, 240 + 18 * len(doc.lines)), 248)
    draw = ImageDraw.Draw(image)
    draw.font = _font()
    rows = [doc.issuer, f"{doc.title} {doc.number}", f"Datum {doc.date_text}", ""]
    rows += [f"{name[:28]:28} {euro(gross)}" for name, _rate, gross in doc.lines]
    rows += ["", f"Summe {euro(doc.total_gross)}", f"USt {euro(doc.total_tax)}"]
    for index, row in enumerate(rows):
        # the bitmap font knows latin-1 only
        draw.text((14, 14 + 18 * index), latin1(row), fill=20)
    out = io.BytesIO()
    if image_format == "png":
        # the fastest zlib level: a fleet downloads thousands of fresh receipts a minute
        image.save(out, format="PNG", compress_level=1)
    else:
        image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def render_xrechnung(doc: DocumentText) -> bytes:
    """A compact UBL invoice carrying the same numbers as the PDF."""
    net = doc.total_gross - doc.total_tax
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ID>{escape(doc.number)}</cbc:ID>
  <cbc:IssueDate>{escape(doc.date_text)}</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>{escape(doc.issuer)}</cbc:Name>
  </cac:PartyName></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party><cac:PartyName><cbc:Name>{escape(doc.recipient)}</cbc:Name>
  </cac:PartyName></cac:Party></cac:AccountingCustomerParty>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">{money_text(doc.total_tax)}</cbc:TaxAmount>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:TaxExclusiveAmount currencyID="EUR">{money_text(net)}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{money_text(doc.total_gross)}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{money_text(doc.total_gross)}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</ubl:Invoice>
"""
    return xml.encode()
