"""Content-addressed storage for voucher files.

Files are stored under their sha256, so the same bytes are stored once, and writing
is idempotent. Write the file before the database row that points at it: a crash in
between leaves an unreferenced file, never a row without its file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

_HEX = frozenset("0123456789abcdef")


class FileStoreError(Exception):
    """A stored file is missing or its content does not match its sha256."""


class FileStore(Protocol):
    """Port for the voucher file store (local directory, in-memory fake, ...)."""

    async def put(self, data: bytes) -> str:
        """Store ``data`` and return its sha256 (hex); storing the same bytes again is a no-op."""
        ...

    async def read(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; raises :class:`FileStoreError` if missing."""
        ...

    async def exists(self, sha256: str) -> bool:
        """Whether bytes are stored under ``sha256``."""
        ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def validate_sha256(sha256: str) -> str:
    """Reject anything that is not 64 lowercase hex digits (it becomes a path)."""
    if len(sha256) != 64 or not _HEX.issuperset(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return sha256


class LocalFileStore:
    """Files under ``root/ab/cd/<sha256>``, written atomically (temp file, fsync, rename).

    Writing, fsyncing and reading happen in a worker thread: an fsync can take tens of
    milliseconds, and on the event loop it would stall every connection of the process.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        validate_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, data: bytes) -> str:
        return await asyncio.to_thread(self.put_blocking, data)

    def put_blocking(self, data: bytes) -> str:
        sha256 = sha256_hex(data)
        target = self.path_for(sha256)
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, data)
        return sha256

    async def read(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise FileStoreError(f"file {sha256} is missing from the file store") from None

    async def read_verified(self, sha256: str) -> bytes:
        """Like :meth:`read`, but checks the content still hashes to ``sha256``."""
        data = await self.read(sha256)
        if sha256_hex(data) != sha256:
            raise FileStoreError(f"file {sha256} is corrupt: its content hash differs")
        return data

    def open(self, sha256: str) -> BinaryIO:
        """Open the stored file for streaming (e.g. a file response)."""
        try:
            return self.path_for(sha256).open("rb")
        except FileNotFoundError:
            raise FileStoreError(f"file {sha256} is missing from the file store") from None

    async def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()


def _write_atomically(target: Path, data: bytes) -> None:
    # The temp file lives in the target's directory so os.replace is a same-filesystem
    # rename: readers see either no file or the whole file, never a partial one.
    fd, temp_name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as temp_file:
            temp_file.write(data)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not every platform allows opening a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
