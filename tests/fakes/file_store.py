"""An in-memory FileStore with the same behaviour as LocalFileStore."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from belegsync.store.files import FileStoreError, validate_sha256


class InMemoryFileStore:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.puts = 0
        # Calls of put/put_all: each is one hand-off to LocalFileStore's thread.
        self.hand_offs = 0

    async def put(self, data: bytes) -> str:
        self.hand_offs += 1
        return self._store(data)

    async def put_all(self, data: Sequence[bytes]) -> list[str]:
        self.hand_offs += 1
        return [self._store(one) for one in data]

    def _store(self, data: bytes) -> str:
        self.puts += 1
        sha256 = hashlib.sha256(data).hexdigest()
        self.files.setdefault(sha256, bytes(data))
        return sha256

    async def read(self, sha256: str) -> bytes:
        try:
            return self.files[validate_sha256(sha256)]
        except KeyError:
            raise FileStoreError(f"file {sha256} is missing from the file store") from None

    async def exists(self, sha256: str) -> bool:
        return validate_sha256(sha256) in self.files
