"""Answers browsers and monitors ask for on their own: the favicon, ``HEAD`` probes."""

from __future__ import annotations

import struct
import zlib
from functools import cache

from litestar import Response, get, head

_BRAND = (0x1F, 0x4E, 0x79)  # the header's blue
_SIZE = 32


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


@cache
def favicon_bytes() -> bytes:
    """A 32×32 icon (a blue square with a white "B"-ish bar pattern) as ICO wrapping a PNG."""
    rows = []
    for y in range(_SIZE):
        row = bytearray([0])  # PNG filter: none
        for x in range(_SIZE):
            inside = 9 <= x <= 22 and 7 <= y <= 24
            bar = inside and (x <= 12 or y in (7, 8, 15, 16, 23, 24) or x >= 20)
            row += bytes((255, 255, 255) if bar else _BRAND)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", _SIZE, _SIZE, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _png_chunk(b"IEND", b"")
    )
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", _SIZE, _SIZE, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + entry + png


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> Response[bytes]:
    return Response(
        favicon_bytes(),
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@head(["/", "/login"], include_in_schema=False, sync_to_thread=False)
def probe() -> None:
    """Monitors check that the app answers without fetching the page."""
