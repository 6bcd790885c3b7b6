"""What ``belegsync serve`` does in the background besides the scheduler."""

from __future__ import annotations

import hashlib
import time

import pytest

from e2e.conftest import PASSWORD, Servers

pytestmark = pytest.mark.browser


def _file_digest(servers: Servers) -> str:
    """The database file's bytes as they lie on disk (not what a reader sees: that
    includes the write-ahead log)."""
    return hashlib.sha256((servers.data_dir / "belegsync.sqlite3").read_bytes()).hexdigest()


def test_the_server_copies_the_write_ahead_log_into_the_database_file(servers: Servers) -> None:
    # a commit no longer checkpoints below 8,192 pages, and a command's connection is not
    # the database's last: only the server's background checkpoint writes the file
    before = _file_digest(servers)
    servers.cli("user", "add", "wal@e2e.test", "--role", "staff", stdin=PASSWORD)
    deadline = time.monotonic() + 20
    while _file_digest(servers) == before:
        assert time.monotonic() < deadline, "the database file was not written in 20 s"
        time.sleep(0.5)
    assert servers.query("SELECT email FROM users WHERE email = ?", "wal@e2e.test")
