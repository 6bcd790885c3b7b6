from __future__ import annotations

import os
import pickle
import stat
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from belegsync.store.secrets import (
    KEYFILE_NAME,
    ApiKey,
    DecryptionError,
    KeyfileError,
    KeyRing,
    MissingKeyfileError,
)

PLAIN = "lx-0123456789abcdef-7Xq9"


@pytest.fixture
def keyfile(tmp_path: Path) -> Path:
    return tmp_path / KEYFILE_NAME


def test_round_trip(keyfile: Path) -> None:
    ring = KeyRing.load_or_create(keyfile, allow_create=True)
    token = ring.encrypt(PLAIN)
    assert PLAIN.encode() not in token
    assert ring.decrypt(token) == PLAIN
    assert ring.encrypt(PLAIN) != token  # random IV per token


def test_created_keyfile_has_mode_0600_and_one_key(keyfile: Path) -> None:
    old_umask = os.umask(0)
    try:
        ring = KeyRing.load_or_create(keyfile, allow_create=True)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    assert ring.key_count == 1
    assert len(keyfile.read_text().split()) == 1


def test_reload_decrypts_tokens_of_an_earlier_process(keyfile: Path) -> None:
    token = KeyRing.load_or_create(keyfile, allow_create=True).encrypt(PLAIN)
    assert KeyRing.load_or_create(keyfile, allow_create=False).decrypt(token) == PLAIN


def test_missing_keyfile_is_refused_when_creation_is_not_allowed(keyfile: Path) -> None:
    with pytest.raises(MissingKeyfileError) as info:
        KeyRing.load_or_create(keyfile, allow_create=False)
    assert not keyfile.exists()
    message = str(info.value)
    assert str(keyfile) in message
    assert "Sicherung" in message and "backup" in message
    assert "getrennt von der Datenbank" in message and "apart from the database" in message


def test_rotation_keeps_old_tokens_and_reencrypts(keyfile: Path) -> None:
    ring = KeyRing.load_or_create(keyfile, allow_create=True)
    old_token = ring.encrypt(PLAIN)
    old_key = keyfile.read_text().split()[0]
    ring.rotate_keyfile()
    assert ring.key_count == 2
    lines = keyfile.read_text().split()
    assert lines[1] == old_key  # newest first, old kept
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    assert ring.decrypt(old_token) == PLAIN

    new_token = ring.reencrypt(old_token)
    assert ring.decrypt(new_token) == PLAIN
    # The new token needs the new key only; the old key alone cannot read it.
    with pytest.raises(InvalidToken):
        Fernet(old_key.encode()).decrypt(new_token)
    Fernet(lines[0].encode()).decrypt(new_token)
    # A reloaded ring has both keys too.
    reloaded = KeyRing.load_or_create(keyfile, allow_create=False)
    assert reloaded.decrypt(old_token) == reloaded.decrypt(new_token) == PLAIN
    assert not list(keyfile.parent.glob("*.tmp"))


def test_new_tokens_use_the_newest_key(keyfile: Path) -> None:
    ring = KeyRing.load_or_create(keyfile, allow_create=True)
    ring.rotate_keyfile()
    newest = keyfile.read_text().split()[0]
    assert Fernet(newest.encode()).decrypt(ring.encrypt(PLAIN)).decode() == PLAIN


def test_tampered_token_raises_without_leaking(keyfile: Path) -> None:
    ring = KeyRing.load_or_create(keyfile, allow_create=True)
    token = bytearray(ring.encrypt(PLAIN))
    token[-5] ^= 0x01
    with pytest.raises(DecryptionError) as info:
        ring.decrypt(bytes(token))
    assert bytes(token).decode() not in str(info.value)
    with pytest.raises(DecryptionError):
        ring.reencrypt(bytes(token))
    with pytest.raises(DecryptionError):
        ring.decrypt(b"not a token")


def test_token_from_another_keyfile_is_refused(tmp_path: Path) -> None:
    one = KeyRing.load_or_create(tmp_path / "a.key", allow_create=True)
    two = KeyRing.load_or_create(tmp_path / "b.key", allow_create=True)
    with pytest.raises(DecryptionError):
        two.decrypt(one.encrypt(PLAIN))


def test_malformed_keyfile_names_line_not_content(keyfile: Path) -> None:
    good = Fernet.generate_key().decode()
    keyfile.write_text(f"# comment\n{good}\n\nnot-a-key-SECRETISH\n")
    with pytest.raises(KeyfileError) as info:
        KeyRing.load_or_create(keyfile, allow_create=True)
    assert "line 4" in str(info.value)
    assert "SECRETISH" not in str(info.value)
    keyfile.write_text("\n# only comments\n")
    with pytest.raises(KeyfileError, match="no key"):
        KeyRing.load_or_create(keyfile, allow_create=True)


def test_existing_keyfile_is_never_overwritten(keyfile: Path) -> None:
    keyfile.write_text(Fernet.generate_key().decode() + "\n")
    before = keyfile.read_bytes()
    KeyRing.load_or_create(keyfile, allow_create=True)
    assert keyfile.read_bytes() == before


def test_concurrent_first_start_ends_with_one_shared_key(keyfile: Path) -> None:
    rings: list[KeyRing] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        rings.append(KeyRing.load_or_create(keyfile, allow_create=True))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tokens = [r.encrypt(PLAIN) for r in rings]
    final = KeyRing.load_or_create(keyfile, allow_create=False)
    assert final.key_count == 1
    assert all(final.decrypt(t) == PLAIN for t in tokens)


def test_api_key_hides_its_value() -> None:
    key = ApiKey(f"  {PLAIN}\n")
    assert key.reveal() == PLAIN
    assert key.last4 == "7Xq9"
    assert repr(key) == "ApiKey('…7Xq9')"
    assert str(key) == "…7Xq9"
    assert PLAIN not in f"{key} {key!r} {[key]} {dict(k=key)}"
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(ValueError, match="empty"):
        ApiKey("   ")


def test_api_key_round_trip_through_ring(keyfile: Path) -> None:
    ring = KeyRing.load_or_create(keyfile, allow_create=True)
    token = ring.encrypt_api_key(ApiKey(PLAIN))
    assert ring.decrypt_api_key(token).reveal() == PLAIN


def test_running_process_picks_up_a_rotation_by_another(keyfile: Path) -> None:
    server = KeyRing.load_or_create(keyfile, allow_create=True)
    cli = KeyRing.load_or_create(keyfile, allow_create=False)
    cli.rotate_keyfile()
    token = cli.reencrypt(cli.encrypt(PLAIN))
    # The server still holds only the old key, and re-reads the file once.
    assert server.key_count == 1
    assert server.decrypt(token) == PLAIN
    assert server.key_count == 2


def test_rotation_starts_from_the_file_on_disk(keyfile: Path) -> None:
    first = KeyRing.load_or_create(keyfile, allow_create=True)
    second = KeyRing.load_or_create(keyfile, allow_create=False)
    first.rotate_keyfile()
    token = first.encrypt(PLAIN)
    second.rotate_keyfile()  # must not drop the key the first rotation added
    assert second.key_count == 3
    assert KeyRing.load_or_create(keyfile, allow_create=False).decrypt(token) == PLAIN
