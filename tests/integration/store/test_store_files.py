from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from belegsync.store.files import FileStore, FileStoreError, LocalFileStore
from fakes.file_store import InMemoryFileStore

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
SHA = hashlib.sha256(PDF).hexdigest()


@pytest.fixture(params=["local", "in_memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FileStore:
    if request.param == "local":
        return LocalFileStore(tmp_path / "files")
    return InMemoryFileStore()


async def test_put_returns_the_sha256_and_reads_back(store: FileStore) -> None:
    sha256 = await store.put(PDF)

    assert sha256 == SHA
    assert await store.exists(SHA)
    assert await store.read(SHA) == PDF


async def test_missing_file_is_an_error(store: FileStore) -> None:
    assert not await store.exists("0" * 64)
    with pytest.raises(FileStoreError):
        await store.read("0" * 64)


@pytest.mark.parametrize("bad", ["../" + "a" * 61, "A" * 64, "a" * 63, ""])
async def test_only_sha256_digests_are_accepted(store: FileStore, bad: str) -> None:
    with pytest.raises(ValueError):
        await store.read(bad)


async def test_local_store_layout_and_no_leftover_temp_files(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)

    await store.put(PDF)

    path = tmp_path / SHA[:2] / SHA[2:4] / SHA
    assert store.path_for(SHA) == path
    assert path.read_bytes() == PDF
    assert sorted(p.name for p in path.parent.iterdir()) == [SHA]
    with store.open(SHA) as stream:
        assert stream.read() == PDF


async def test_local_put_is_idempotent_and_keeps_the_first_file(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    await store.put(PDF)
    inode = store.path_for(SHA).stat().st_ino

    results = await asyncio.gather(*(store.put(PDF) for _ in range(5)))

    assert set(results) == {SHA}
    assert store.path_for(SHA).stat().st_ino == inode


async def test_read_verified_detects_corruption(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    await store.put(PDF)
    assert await store.read_verified(SHA) == PDF

    store.path_for(SHA).write_bytes(PDF[:-1])

    with pytest.raises(FileStoreError, match="corrupt"):
        await store.read_verified(SHA)


async def test_in_memory_store_counts_puts_but_stores_once() -> None:
    store = InMemoryFileStore()

    await store.put(PDF)
    await store.put(PDF)

    assert (store.puts, list(store.files)) == (2, [SHA])


async def test_local_put_all_stores_in_order_once_and_leaves_no_temp_files(
    tmp_path: Path,
) -> None:
    store = LocalFileStore(tmp_path)
    other = b"%PDF-1.7\nother\n%%EOF"

    digests = await store.put_all([PDF, other, PDF])

    assert digests == [SHA, hashlib.sha256(other).hexdigest(), SHA]
    assert await store.read(digests[1]) == other
    assert _file_names(tmp_path) == sorted({SHA, digests[1]})
    assert oct(store.path_for(SHA).stat().st_mode & 0o777) == "0o644"
    assert await store.put_all([]) == []


def _file_names(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file())
