"""Downloaded voucher files: media type, file name, and which endpoint serves them."""

from __future__ import annotations

import mimetypes
import posixpath
import re
from dataclasses import dataclass
from email.message import Message

DEFAULT_ACCEPT = "*/*"

_EXTENSIONS = {
    "application/pdf": "pdf",
    "application/xml": "xml",
    "text/xml": "xml",
    "image/jpeg": "jpg",
    "image/png": "png",
}


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    """A voucher file: its bytes, media type (without parameters) and a safe file name."""

    content: bytes
    media_type: str
    filename: str

    def __repr__(self) -> str:
        return (
            f"DownloadedFile(filename={self.filename!r}, media_type={self.media_type!r}, "
            f"size={len(self.content)})"
        )


def media_type_of(content_type: str | None) -> str:
    """``application/pdf;charset=…`` → ``application/pdf``; unknown → octet-stream."""
    if not content_type:
        return "application/octet-stream"
    return content_type.split(";", 1)[0].strip().lower() or "application/octet-stream"


def extension_for(media_type: str) -> str:
    """A file extension (without dot) for a media type."""
    known = _EXTENSIONS.get(media_type)
    if known:
        return known
    guessed = mimetypes.guess_extension(media_type)
    return guessed.lstrip(".") if guessed else "bin"


# ``attachment; filename="RE-1001.pdf"`` and Lexware's ``inline; filename=f-1.pdf;``: the
# usual forms, read without the email parser (printable ASCII, no escapes, no
# ``filename*``, at most a trailing ``;``). Anything else goes through it.
_PLAIN_DISPOSITION = re.compile(
    r'[A-Za-z-]+[ \t]*;[ \t]*filename[ \t]*=[ \t]*(?:"([ !#-\[\]-~]*)"|([!#-+\--:<-\[\]-~]+))'
    r"[ \t]*(?:;[ \t]*)?"
)


def filename_from_content_disposition(header: str | None) -> str | None:
    """The file name from ``Content-Disposition`` (``filename*`` preferred), made safe."""
    if not header:
        return None
    plain = _PLAIN_DISPOSITION.fullmatch(header)
    if plain is not None:
        name = plain.group(1) if plain.group(1) is not None else plain.group(2)
    else:
        message = Message()
        message["Content-Disposition"] = header
        name = message.get_filename()
    if not name:
        return None
    # Never let a server-chosen name climb out of the directory it is stored in.
    safe = posixpath.basename(name.replace("\\", "/")).strip().strip(".")
    return safe or None


def downloaded_file(
    *, file_id: str, content: bytes, content_type: str | None, content_disposition: str | None
) -> DownloadedFile:
    """Build a :class:`DownloadedFile`, falling back to ``{id}.{ext}`` for the name."""
    media_type = media_type_of(content_type)
    filename = filename_from_content_disposition(content_disposition)
    if filename is None:
        filename = f"{file_id}.{extension_for(media_type)}"
    return DownloadedFile(content=content, media_type=media_type, filename=filename)
