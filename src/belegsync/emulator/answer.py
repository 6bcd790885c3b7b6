"""An endpoint's answer as plain data, sent by Litestar or straight by the gateway."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    media_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """The ASGI headers (extra ones, then type and length, as Litestar sends them)."""
        headers = [
            (name.lower().encode("latin-1"), v.encode("latin-1")) for name, v in self.headers
        ]
        headers.append((b"content-type", self.media_type.encode("latin-1")))
        headers.append((b"content-length", str(len(self.body)).encode("latin-1")))
        return headers
