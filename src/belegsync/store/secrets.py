"""API-key encryption at rest with a MultiFernet keyfile.

The keyfile (``secrets.key`` in the data dir) holds one Fernet key per line,
newest first. The newest key encrypts; every key can decrypt, so rotation is:
prepend a key, re-encrypt the stored tokens, and later drop the old line. The
file is kept apart from the database on purpose: a stolen database backup alone
does not reveal any API key.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEYFILE_NAME = "secrets.key"

__all__ = [
    "KEYFILE_NAME",
    "ApiKey",
    "DecryptionError",
    "KeyRing",
    "KeyfileError",
    "MissingKeyfileError",
]


class KeyfileError(Exception):
    """The keyfile exists but cannot be used (unreadable or malformed)."""


class MissingKeyfileError(KeyfileError):
    """Encrypted API keys exist, but the keyfile that decrypts them is gone."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.message_de = (
            f"Die Schlüsseldatei {path} fehlt, aber in der Datenbank liegen verschlüsselte "
            "API-Schlüssel. Ohne diese Datei können sie nicht entschlüsselt werden. "
            "Stellen Sie die Datei aus der Sicherung wieder her (sie wird absichtlich "
            "getrennt von der Datenbank aufbewahrt) und starten Sie erneut. Eine neue Datei "
            "wird nicht angelegt, damit die vorhandenen Schlüssel nicht verloren gehen."
        )
        self.message_en = (
            f"The keyfile {path} is missing, but the database holds encrypted API keys that "
            "only it can decrypt. Restore the file from your backup (it is deliberately kept "
            "apart from the database) and start again. No new file is created, so the "
            "existing keys are not lost."
        )
        super().__init__(f"{self.message_de}\n\n{self.message_en}")


class DecryptionError(Exception):
    """A token was tampered with or was encrypted with a key no longer in the keyfile."""

    def __init__(self) -> None:
        # The token itself stays out of the message: it ends up in logs.
        super().__init__(
            "Ein gespeicherter API-Schlüssel lässt sich nicht entschlüsseln (beschädigt oder "
            "mit einem nicht mehr vorhandenen Schlüssel verschlüsselt). / A stored API key "
            "cannot be decrypted (corrupted, or encrypted with a key no longer in the "
            "keyfile)."
        )


class ApiKey:
    """A plaintext API key that shows only its last four characters when printed.

    Keeps the key out of reprs, tracebacks and log lines; ``reveal()`` is the one
    deliberate way to get at it.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        # Copy-paste from Lexware often carries a trailing newline or spaces.
        value = value.strip()
        if not value:
            raise ValueError("the API key is empty")
        self._value = value

    @property
    def last4(self) -> str:
        """The last four characters, the only part ever shown or stored in the clear."""
        return self._value[-4:]

    def reveal(self) -> str:
        """The plaintext key, for the Authorization header and encryption only."""
        return self._value

    def __repr__(self) -> str:
        return f"ApiKey('…{self.last4}')"

    def __str__(self) -> str:
        return f"…{self.last4}"

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the plaintext into job queues or caches.
        raise TypeError("ApiKey must not be pickled")


def _write_private_file(path: Path, content: bytes) -> None:
    """Write ``content`` to a new file that has mode 0600 from its first byte on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")


def _publish_new(path: Path, content: bytes) -> None:
    """Create ``path`` complete or not at all; ``FileExistsError`` if it exists.

    Written to a temp file first and hard-linked into place, so a concurrent
    reader never sees an empty or half-written keyfile.
    """
    tmp = _temp_path(path)
    _write_private_file(tmp, content)
    try:
        os.link(tmp, path)
    finally:
        tmp.unlink()


def _parse_keys(path: Path, text: str) -> list[bytes]:
    keys: list[bytes] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            Fernet(line.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            # The line itself is secret; name only its position.
            raise KeyfileError(f"{path}: line {number} is not a valid Fernet key") from None
        keys.append(line.encode("ascii"))
    if not keys:
        raise KeyfileError(f"{path}: the keyfile contains no key")
    return keys


class KeyRing:
    """The keys from the keyfile; encrypts with the newest, decrypts with any."""

    def __init__(self, path: Path, keys: list[bytes]) -> None:
        self.path = path
        self._keys = list(keys)
        self._fernet = MultiFernet([Fernet(k) for k in self._keys])

    @classmethod
    def load_or_create(cls, path: Path, *, allow_create: bool) -> KeyRing:
        """Load the keyfile, or create it (mode 0600) when ``allow_create``.

        Pass ``allow_create=False`` when encrypted keys already exist: a new keyfile
        could not decrypt them, so a missing file raises :class:`MissingKeyfileError`.
        """
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            if not allow_create:
                raise MissingKeyfileError(path) from None
            return cls._create(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyfileError(f"{path}: cannot read the keyfile ({type(exc).__name__})") from None
        return cls(path, _parse_keys(path, text))

    @classmethod
    def _create(cls, path: Path) -> KeyRing:
        key = Fernet.generate_key()
        try:
            _publish_new(path, key + b"\n")
        except FileExistsError:
            # Another process created it between our read and the link: use theirs.
            return cls.load_or_create(path, allow_create=False)
        return cls(path, [key])

    def _use(self, keys: list[bytes]) -> None:
        self._keys = list(keys)
        self._fernet = MultiFernet([Fernet(k) for k in self._keys])

    def _reload_if_changed(self) -> bool:
        try:
            keys = KeyRing.load_or_create(self.path, allow_create=False)._keys
        except KeyfileError:
            return False
        if keys == self._keys:
            return False
        self._use(keys)
        return True

    @property
    def key_count(self) -> int:
        """How many keys the keyfile holds."""
        return len(self._keys)

    def encrypt(self, plaintext: str) -> bytes:
        """Encrypt with the newest key."""
        return self._fernet.encrypt(plaintext.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        """Decrypt with any key; :class:`DecryptionError` if none fits or it was altered.

        A long-running process may hold the keys from before ``belegsync rotate-keys``;
        on failure the keyfile is re-read once before giving up.
        """
        try:
            return self._decrypt(token)
        except DecryptionError:
            if not self._reload_if_changed():
                raise
        return self._decrypt(token)

    def _decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except (InvalidToken, UnicodeDecodeError):
            raise DecryptionError() from None

    def encrypt_api_key(self, key: ApiKey) -> bytes:
        """Encrypt an :class:`ApiKey`."""
        return self.encrypt(key.reveal())

    def decrypt_api_key(self, token: bytes) -> ApiKey:
        """Decrypt a token into an :class:`ApiKey`."""
        return ApiKey(self.decrypt(token))

    def reencrypt(self, token: bytes) -> bytes:
        """Re-encrypt a token with the newest key (``MultiFernet.rotate``)."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken:
            raise DecryptionError() from None

    def rotate_keyfile(self) -> None:
        """Prepend a new key to the keyfile; old keys stay so old tokens still decrypt.

        Starts from the file on disk (not this object's copy) so a rotation by
        another process is not lost. The file is replaced atomically (temp file with
        mode 0600, then rename): a crash leaves the old or the new keyfile, never a
        half-written one. Run one rotation at a time.
        """
        current = KeyRing.load_or_create(self.path, allow_create=False)._keys
        keys = [Fernet.generate_key(), *current]
        tmp = _temp_path(self.path)
        _write_private_file(tmp, b"".join(k + b"\n" for k in keys))
        os.replace(tmp, self.path)
        self._use(keys)
