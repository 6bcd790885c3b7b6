"""Names for voucher files that a person can read: ``Datum_Nummer_Kontakt.pdf``.

Lexware names files by their id; we name them by the voucher instead, safe for every
file system (no path separators, no control or reserved characters, bounded length).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/xml": "xml",
    "text/xml": "xml",
}
MAX_PART = 60


def safe_part(text: str | None, fallback: str) -> str:
    """One part of a file name: letters (umlauts kept), digits, ``.``, ``-``."""
    normal = unicodedata.normalize("NFC", text or "")
    cleaned = _UNSAFE.sub("-", normal).strip("-._")[:MAX_PART].strip("-._")
    return cleaned or fallback


def extension(media_type: str, stored_name: str | None) -> str:
    if media_type in _EXTENSIONS:
        return _EXTENSIONS[media_type]
    suffix = (stored_name or "").rsplit(".", 1)[-1].lower() if "." in (stored_name or "") else ""
    return suffix if suffix.isalnum() and len(suffix) <= 5 else "bin"


def voucher_file_name(
    voucher_date: date,
    number: str | None,
    contact: str | None,
    media_type: str,
    stored_name: str | None,
    index: int = 1,
) -> str:
    """``2026-03-14_RE-2026-001_Holz-Meier-GmbH.pdf``; the second file of a voucher
    gets ``_2`` before the extension."""
    stem = "_".join(
        (
            voucher_date.isoformat(),
            safe_part(number, "ohne-Nummer"),
            safe_part(contact, "ohne-Kontakt"),
        )
    )
    suffix = f"_{index}" if index > 1 else ""
    return f"{stem}{suffix}.{extension(media_type, stored_name)}"


def unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name`` with ``_2``, ``_3``… before the extension if already taken."""
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}{dot}{ext}"
    taken.add(candidate)
    return candidate
