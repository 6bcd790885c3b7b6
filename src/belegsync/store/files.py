"""Content-addressed storage for voucher files.

Files are stored under their sha256, so the same bytes are stored once, and writing
is idempotent. Write the file before the database row that points at it: a crash in
between leaves an unreferenced file, never a row without its file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import os
import tempfile
from collections.abc import Sequence
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

    async def put_all(self, data: Sequence[bytes]) -> list[str]:
        """:meth:`put` for several files at once (one hand-off), sha256s in order."""
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
        self._root = os.fspath(root)

    def path_for(self, sha256: str) -> Path:
        validate_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, data: bytes) -> str:
        return await asyncio.to_thread(self.put_blocking, data)

    async def put_all(self, data: Sequence[bytes]) -> list[str]:
        if not data:
            return []
        return await asyncio.to_thread(self.put_all_blocking, data)

    def put_all_blocking(self, data: Sequence[bytes]) -> list[str]:
        return [self.put_blocking(one) for one in data]

    def put_blocking(self, data: bytes) -> str:
        sha256 = sha256_hex(data)
        directory = os.path.join(self._root, sha256[:2], sha256[2:4])
        target = os.path.join(directory, sha256)
        if not os.path.exists(target):
            _write_atomically(directory, target, data)
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


# Temp names unique within the process (pid + counter), so concurrent puts of the same
# bytes never share a temp file; a name left by a dead process falls back to mkstemp.
_temp_numbers = itertools.count()
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _create_temp(directory: str, sha256: str) -> tuple[int, str]:
    name = os.path.join(directory, f".tmp-{sha256[:16]}-{os.getpid()}-{next(_temp_numbers)}")
    try:
        return os.open(name, _CREATE, 0o644), name
    except FileExistsError:
        return tempfile.mkstemp(prefix=".tmp-", dir=directory)


def _write_atomically(directory: str, target: str, data: bytes) -> None:
    # The temp file lives in the target's directory so os.replace is a same-filesystem
    # rename: readers see either no file or the whole file, never a partial one. Plain
    # os calls: a new file costs a handful of system calls and two fsyncs (file and
    # directory), which is most of the CPU a first sync spends on it.
    sha256 = os.path.basename(target)
    try:
        fd, temp_name = _create_temp(directory, sha256)
    except FileNotFoundError:
        os.makedirs(directory, exist_ok=True)
        fd, temp_name = _create_temp(directory, sha256)
    try:
        try:
            os.fchmod(fd, 0o644)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
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
