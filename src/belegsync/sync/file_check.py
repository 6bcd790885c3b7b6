"""Is a downloaded voucher file what was asked for? Type, magic bytes, completeness.

A gateway error page or a JSON error body must never be stored as a voucher's file:
a file that fails here fails its voucher, which the next run fetches again, and a
``--full`` run checks stored files the same way and repairs those that fail.
"""

from __future__ import annotations

from belegsync.lexware import DownloadedFile

XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})
VOUCHER_FILE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", *XML_MEDIA_TYPES})

# A PDF ends with %%EOF (scanners may append a little after it); PNG with its IEND chunk.
_PDF_TAIL = 4096
_PNG_END = b"IEND\xaeB`\x82"
_BOM = b"\xef\xbb\xbf"


class BadDownload(ValueError):
    """A download that is not a usable voucher file; fails its voucher, not the run."""

    code = "lexware_file_invalid"


def file_problem(media_type: str, content: bytes) -> str | None:
    """Why ``content`` is not a complete file of ``media_type`` (None: it is)."""
    if media_type not in VOUCHER_FILE_TYPES:
        return f"unerwarteter Dateityp {media_type}"
    if not content:
        return "leere Datei"
    if media_type == "application/pdf":
        if not content.startswith(b"%PDF-"):
            return "keine PDF-Datei"
        if b"%%EOF" not in content[-_PDF_TAIL:]:
            return "PDF-Datei unvollständig"
    elif media_type == "image/png":
        if not content.startswith(b"\x89PNG\r\n\x1a\n"):
            return "keine PNG-Datei"
        if _PNG_END not in content[-64:]:
            return "PNG-Datei unvollständig"
    elif media_type == "image/jpeg":
        if not content.startswith(b"\xff\xd8\xff") or len(content) < 128:
            return "keine JPEG-Datei"
    else:
        head = content.removeprefix(_BOM).lstrip()[:256].lower()
        if not head.startswith(b"<") or head.startswith((b"<html", b"<!doctype html")):
            return "keine XML-Datei"
    return None


def accepts(accept: str, media_type: str) -> bool:
    """Whether ``media_type`` answers a request made with ``Accept: accept``."""
    wanted = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    if "*/*" in wanted:
        return True
    if media_type in wanted:
        return True
    return bool(wanted & XML_MEDIA_TYPES) and media_type in XML_MEDIA_TYPES


def checked(download: DownloadedFile, *, accept: str, what: str) -> DownloadedFile:
    """``download`` if it is a usable file of the kind asked for; else :class:`BadDownload`."""
    if not accepts(accept, download.media_type):
        raise BadDownload(f"{what}: {download.media_type} statt {accept}")
    problem = file_problem(download.media_type, download.content)
    if problem is not None:
        raise BadDownload(f"{what}: {problem}")
    return download
