from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from belegsync.lexware import (
    LexwareMalformedResponseError,
    WebhookSignatureError,
    WebhookVerifier,
    lexware_public_key_pem,
)

from .fakes import fixture_bytes


@pytest.fixture(scope="module")
def key_pair() -> tuple[rsa.RSAPrivateKey, bytes]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public_pem


def sign(private: rsa.RSAPrivateKey, body: bytes) -> str:
    signature = private.sign(body, padding.PKCS1v15(), hashes.SHA512())
    return base64.b64encode(signature).decode()


BODY = json.dumps(json.loads(fixture_bytes("webhook_payload.json")), separators=(",", ":")).encode()


def test_good_signature(key_pair: tuple[rsa.RSAPrivateKey, bytes]) -> None:
    private, public_pem = key_pair
    event = WebhookVerifier(public_pem).parse(BODY, sign(private, BODY))
    assert event.event_type == "contact.changed"
    assert event.resource_id == "4d43ad14-671d-4e0c-fd4b-2fd8cc117eff"


def test_tampered_body(key_pair: tuple[rsa.RSAPrivateKey, bytes]) -> None:
    private, public_pem = key_pair
    signature = sign(private, BODY)
    tampered = BODY.replace(b"contact.changed", b"contact.deleted")
    with pytest.raises(WebhookSignatureError) as caught:
        WebhookVerifier(public_pem).parse(tampered, signature)
    assert caught.value.code == "lexware_webhook_signature_invalid"


def test_reformatted_body_fails(key_pair: tuple[rsa.RSAPrivateKey, bytes]) -> None:
    # The signature covers the raw bytes; pretty-printed JSON is a different message.
    private, public_pem = key_pair
    with pytest.raises(WebhookSignatureError):
        WebhookVerifier(public_pem).verify(
            fixture_bytes("webhook_payload.json"), sign(private, BODY)
        )


def test_wrong_key(key_pair: tuple[rsa.RSAPrivateKey, bytes]) -> None:
    private, _ = key_pair
    with pytest.raises(WebhookSignatureError):
        WebhookVerifier().verify(BODY, sign(private, BODY))


@pytest.mark.parametrize("signature", [None, ""])
def test_missing_signature(
    key_pair: tuple[rsa.RSAPrivateKey, bytes], signature: str | None
) -> None:
    with pytest.raises(WebhookSignatureError) as caught:
        WebhookVerifier(key_pair[1]).verify(BODY, signature)
    assert caught.value.code == "lexware_webhook_signature_missing"


def test_garbage_signature(key_pair: tuple[rsa.RSAPrivateKey, bytes]) -> None:
    with pytest.raises(WebhookSignatureError):
        WebhookVerifier(key_pair[1]).verify(BODY, "not base64 at all!")


def test_signed_but_unreadable_payload(key_pair: tuple[rsa.RSAPrivateKey, bytes]) -> None:
    private, public_pem = key_pair
    body = b'{"eventType":"invoice.changed"}'
    with pytest.raises(LexwareMalformedResponseError):
        WebhookVerifier(public_pem).parse(body, sign(private, body))


def test_default_key_is_lexwares_4096_bit_rsa_key() -> None:
    key = serialization.load_pem_public_key(lexware_public_key_pem())
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 4096
