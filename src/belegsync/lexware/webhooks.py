"""Verifying Lexware webhook callbacks (``X-Lxo-Signature``).

Lexware signs the raw JSON body with RSA and SHA-512 and sends the base64 signature in
``X-Lxo-Signature``. We verify RSASSA-PKCS1-v1_5 (what ``openssl dgst -verify``, the
docs' recipe, checks) over the body bytes exactly as received, before parsing them.
"""

from __future__ import annotations

import base64
import binascii
import json
from decimal import Decimal
from importlib import resources

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import ValidationError

from belegsync.lexware.errors import LexwareMalformedResponseError, WebhookSignatureError
from belegsync.lexware.models import WebhookEvent

SIGNATURE_HEADER = "X-Lxo-Signature"
_DEFAULT_KEY_RESOURCE = "lexware_webhook_public_key.pub"


def lexware_public_key_pem() -> bytes:
    """Lexware's published webhook public key (PEM), shipped with this package."""
    return resources.files("belegsync.lexware").joinpath(_DEFAULT_KEY_RESOURCE).read_bytes()


class WebhookVerifier:
    """Checks webhook signatures against one RSA public key (Lexware's by default)."""

    def __init__(self, public_key_pem: bytes | None = None) -> None:
        key = load_pem_public_key(public_key_pem or lexware_public_key_pem())
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("the Lexware webhook key must be an RSA public key")
        self._key = key

    def verify(self, body: bytes, signature: str | None) -> None:
        """Raise :class:`WebhookSignatureError` unless ``signature`` signs ``body``."""
        if not signature:
            raise WebhookSignatureError(
                "Die Lexware-Benachrichtigung hat keine Signatur; sie wurde verworfen.",
                code="lexware_webhook_signature_missing",
            )
        try:
            raw_signature = base64.b64decode(signature.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise WebhookSignatureError() from None
        try:
            self._key.verify(raw_signature, body, padding.PKCS1v15(), hashes.SHA512())
        except InvalidSignature:
            raise WebhookSignatureError() from None

    def parse(self, body: bytes, signature: str | None) -> WebhookEvent:
        """Verify, then parse the four-field payload into a :class:`WebhookEvent`."""
        self.verify(body, signature)
        try:
            return WebhookEvent.from_json(json.loads(body, parse_float=Decimal))
        except (ValueError, ValidationError) as error:
            # Signed but unreadable: Lexware's fault, not a forgery.
            raise LexwareMalformedResponseError(
                "Die Lexware-Benachrichtigung ist korrekt signiert, aber nicht lesbar.",
                code="lexware_webhook_payload_invalid",
            ) from error
