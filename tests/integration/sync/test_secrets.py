"""The API key stays secret: not in logs, not in the database file, not in reprs; and
re-encrypting with a new keyfile key keeps the connection working."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from cryptography.fernet import Fernet
from structlog.testing import capture_logs

from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID
from belegsync.store.secrets import KeyRing
from support.sync_harness import Harness

SECRET_KEY = "lxo-Secret-Key-Never-Logged-7f3a9c2e5b"


class _Records(logging.Handler):
    """Every stdlib log record, formatted with its arguments and exception."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(logging.Formatter("%(name)s %(message)s").format(record))


@contextmanager
def stdlib_logs() -> Iterator[_Records]:
    root = logging.getLogger()
    handler, level = _Records(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# It reads the database file's bytes: SQLite only.
@pytest.mark.parametrize("harness_database_url", ["sqlite"], indirect=True)
async def test_the_key_appears_in_no_log_line_database_byte_or_repr(harness: Harness) -> None:
    await harness.emulator("POST", "/keys", {"organizationId": MAIN_ORG_ID, "key": SECRET_KEY})
    await harness.add_tenant(open_tax_years=[2025, 2026])
    with capture_logs() as events, stdlib_logs() as records:
        assert (await harness.connect(SECRET_KEY)).explanation is None
        assert (await harness.sync()).status == "succeeded"
        # Failures log the most: retries, a malformed answer, a gateway 403, a 401.
        await harness.emulator("POST", "/faults", {"kind": "error", "status": 503, "count": 2})
        await harness.emulator(
            "POST", "/faults", {"kind": "malformed", "pathPrefix": "/v1/voucherlist", "count": 1}
        )
        harness.clock.advance(days=1)
        await harness.sync()
        # In-process: the control API's own URL would carry the key into httpx's log.
        harness.app.world.revoke_key(SECRET_KEY)
        harness.clock.advance(days=1)
        assert (await harness.sync()).status == "failed"
        # A typo while entering a key again: the rejected key must not be logged either.
        assert (await harness.connect(f"{SECRET_KEY}x")).explanation is not None

    assert len(events) > 10 and records.lines
    assert any(e["event"] == "lexware_request_retry" for e in events)
    assert any(e["event"] == "sync_connection_failed" for e in events)
    for event in events:
        assert SECRET_KEY[:-4] not in repr(event)
    for line in records.lines:
        assert SECRET_KEY[:-4] not in line

    database = harness.db_path.read_bytes()
    wal = harness.db_path.with_name(harness.db_path.name + "-wal")
    stored = database + (wal.read_bytes() if wal.exists() else b"")
    assert SECRET_KEY[-4:].encode() in stored, "last4 is stored in the clear"
    assert SECRET_KEY.encode() not in stored
    assert SECRET_KEY[:-4].encode() not in stored

    row = await harness.connection_row()
    assert SECRET_KEY not in repr(row)
    assert SECRET_KEY not in repr(harness.deps.lexware(SECRET_KEY, "http://lexware.test"))


async def test_rotating_the_keyfile_and_re_encrypting_keeps_the_connection_working(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    assert (await harness.sync()).status == "succeeded"
    old_token = (await harness.connection_row()).encrypted_api_key
    assert old_token is not None

    harness.keyring.rotate_keyfile()
    async with harness.uow_factory() as uow:
        for row in await uow.connections.with_encrypted_keys():
            assert row.encrypted_api_key is not None
            row.encrypted_api_key = harness.keyring.reencrypt(row.encrypted_api_key)
        await uow.commit()

    new_token = (await harness.connection_row()).encrypted_api_key
    assert new_token is not None and new_token != old_token
    newest_only = Fernet(harness.keyring.path.read_text().splitlines()[0].encode())
    assert newest_only.decrypt(new_token).decode() == MAIN_KEY
    assert KeyRing.load_or_create(harness.keyring.path, allow_create=False).key_count == 2
    harness.clock.advance(hours=1)
    await harness.emulator("POST", f"/organizations/{MAIN_ORG_ID}/vouchers", {"status": "paid"})
    harness.clock.advance(days=1)

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    assert outcome.counts.new == 1
