"""File representations: the Accept matrices of §9.4/§11.1 and lazily rendered bytes."""

from __future__ import annotations

from belegsync.emulator.images import render_image, render_xrechnung
from belegsync.emulator.model import StoredFile, Voucher
from belegsync.emulator.pdf import DocumentText, render_pdf
from belegsync.emulator.state import World

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xml": "application/xml",
    "png": "image/png",
    "jpg": "image/jpeg",
}
_BOOKKEEPING_ACCEPT = ("*/*", "application/xml", "application/pdf", "image/jpeg", "image/png")
_SALES_ACCEPT = ("*/*", "application/xml", "application/pdf")
_TITLES = {
    "purchaseinvoice": "Rechnung",
    "purchasecreditnote": "Gutschrift",
    "salesinvoice": "Rechnung",
    "salescreditnote": "Gutschrift",
    "invoice": "Rechnung",
    "creditnote": "Rechnungskorrektur",
    "downpaymentinvoice": "Abschlagsrechnung",
}
FILENAME_PREFIX = {
    "invoice": "Rechnung",
    "creditnote": "Gutschrift",
    "downpaymentinvoice": "Abschlagsrechnung",
}


def _requested(accept: str | None, known: tuple[str, ...]) -> str | None:
    """First media type of the Accept header that the endpoint knows; None → 406."""
    if accept is None or not accept.strip():
        return "*/*"
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in known:
            return media
    return None


def negotiate_bookkeeping_file(stored: StoredFile, accept: str | None) -> str | int:
    """GET /v1/files/{id}: the extension to send, or an error status (404/406)."""
    media = _requested(accept, _BOOKKEEPING_ACCEPT)
    if media is None:
        return 406
    if stored.sales_document:
        return _sales_via_files(stored, media)
    if stored.kind == "xml":
        return "xml" if media in ("*/*", "application/xml") else "pdf"
    if media == "application/xml":
        return 404
    return stored.kind


def _sales_via_files(stored: StoredFile, media: str) -> str | int:
    # deprecated route: an XRechnung defaults to its PDF preview here, unlike /file
    if stored.kind == "xml":
        return "xml" if media == "application/xml" else "pdf"
    return 404 if media == "application/xml" else "pdf"


def negotiate_sales_file(profile: str, accept: str | None) -> str | int:
    """GET /v1/{invoices|credit-notes|down-payment-invoices}/{id}/file."""
    media = _requested(accept, _SALES_ACCEPT)
    if media is None:
        return 406
    if profile == "XRechnung":
        return "pdf" if media == "application/pdf" else "xml"
    return 404 if media == "application/xml" else "pdf"


def document_text(world: World, voucher: Voucher, *, page: int = 0) -> DocumentText:
    org = world.organizations[voucher.organization_id]
    purchase = voucher.voucher_type.startswith("purchase")
    issuer, recipient = (
        (voucher.contact_name, org.name) if purchase else (org.name, voucher.contact_name)
    )
    return DocumentText(
        title=_TITLES[voucher.voucher_type],
        number=voucher.number,
        date_text=voucher.voucher_date.strftime("%d.%m.%Y"),
        issuer=issuer,
        recipient=recipient,
        lines=[(item.name, item.tax_rate, item.amount) for item in voucher.items],
        total_gross=voucher.total_gross,
        total_tax=voucher.total_tax,
        due_text=None if voucher.due_date is None else voucher.due_date.strftime("%d.%m.%Y"),
        note=f"Anlage {page + 1}" if page else voucher.remark,
    )


class DocumentStore:
    """Renders file bytes on first download and keeps them, so seeding stays fast."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._cache: dict[tuple[str, str], bytes] = {}

    def content(self, stored: StoredFile, ext: str) -> bytes:
        if stored.data is not None and ext == stored.kind:
            return stored.data
        cached = self._cache.get((stored.id, ext))
        if cached is not None:
            return cached
        voucher = self.world.data[stored.organization_id].vouchers[stored.voucher_id]
        doc = document_text(self.world, voucher, page=stored.page_seed)
        if ext == "pdf":
            data = render_pdf(doc)
        elif ext == "xml":
            data = render_xrechnung(doc)
        else:
            data = render_image(doc, ext)
        self._cache[(stored.id, ext)] = data
        return data

    def forget_voucher(self, voucher: Voucher) -> None:
        """Edits change what the documents show; render them again on next download."""
        ids = set(voucher.file_ids)
        if voucher.document_file_id is not None:
            ids.add(voucher.document_file_id)
        for key in [k for k in self._cache if k[0] in ids]:
            del self._cache[key]
