"""The production transport (aiohttp) over real sockets: TLS verification, chunked bodies,
429 with Retry-After, keep-alive connections the server closed, timeouts.

A scripted HTTP/1.1 server on 127.0.0.1 (the fake Lexware here is the socket, so that
what aiohttp does on the wire is what is tested) answers each request with what the test
says: bytes to send, or ``None`` to close the connection without an answer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import ssl
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from belegsync.lexware import LexwareApi, LexwareUnavailableError, RetryPolicy
from belegsync.lexware.ratelimit import key_fingerprint
from belegsync.lexware.transport import WireError, proxy_from_environment

from .fakes import API_KEY, FAST_RETRY, fixture_bytes

PROFILE = fixture_bytes("profile_response.json")
ORG_ID = json.loads(PROFILE)["organizationId"]
HANG = b"hang"


def ok(body: bytes = PROFILE) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


def chunked(body: bytes, size: int = 100) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    chunks = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
    return head + b"\r\n\r\n" + chunks + b"0\r\n\r\n"


def too_many(retry_after: str) -> bytes:
    body = b'{"message":"Rate limit exceeded"}'
    head = (
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
        f"Retry-After: {retry_after}\r\nContent-Length: {len(body)}"
    )
    return head.encode() + b"\r\n\r\n" + body


# (number of the TCP connection, number of the request on it, request head) -> answer
Script = Callable[[int, int, bytes], bytes | None]


@dataclass
class ScriptedServer:
    script: Script
    connections: int = 0
    heads: list[bytes] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        connection = self.connections
        try:
            for number in range(1, 1000):
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                answer = self.script(connection, number, head)
                if answer is None:
                    return
                if answer == HANG:
                    await asyncio.sleep(3600)
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            return
        finally:
            writer.close()


async def serve(
    script: Script, tls: ssl.SSLContext | None = None
) -> tuple[ScriptedServer, asyncio.Server, str]:
    scripted = ScriptedServer(script)
    listening = await asyncio.start_server(scripted.handle, "127.0.0.1", 0, ssl=tls)
    port = listening.sockets[0].getsockname()[1]
    return scripted, listening, f"{'https' if tls else 'http'}://127.0.0.1:{port}"


StartServer = Callable[..., Awaitable[tuple[ScriptedServer, str]]]


@pytest.fixture
async def server_for() -> AsyncIterator[StartServer]:
    """``await server_for(script, tls=None)`` -> (server, base URL); closed at teardown."""
    opened: list[asyncio.Server] = []

    async def start(
        script: Script, tls: ssl.SSLContext | None = None
    ) -> tuple[ScriptedServer, str]:
        scripted, listening, url = await serve(script, tls)
        opened.append(listening)
        return scripted, url

    yield start
    for listening in opened:
        listening.close()


@dataclass(frozen=True)
class SelfSigned:
    cert_pem: bytes
    server_context: ssl.SSLContext


def self_signed(tmp_path: Path) -> SelfSigned:
    """A certificate for 127.0.0.1 that no public CA vouches for."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return SelfSigned(cert_pem, context)


def always(answer: bytes) -> Script:
    return lambda _connection, _number, _head: answer


async def test_a_certificate_no_ca_vouches_for_is_refused_before_the_key_is_sent(
    server_for: StartServer, tmp_path: Path
) -> None:
    cert = self_signed(tmp_path)
    scripted, url = await server_for(always(ok()), cert.server_context)
    async with LexwareApi(base_url=url, retry_policy=FAST_RETRY) as api:
        client = api.for_key(API_KEY)
        with pytest.raises(LexwareUnavailableError) as refused:
            await client.profile()
    # refused in the handshake (the server's handler never ran, no request was sent), once:
    # asking again cannot make the certificate trusted
    assert isinstance(refused.value.__cause__, WireError)
    assert refused.value.__cause__.kind == "ClientConnectorCertificateError"
    assert (scripted.connections, scripted.heads) == (0, [])
    assert (client.stats.requests_sent, client.stats.retries) == (1, 0)
    assert API_KEY not in "".join(traceback.format_exception(refused.value))


async def test_a_context_trusting_the_certificate_is_accepted(
    server_for: StartServer, tmp_path: Path
) -> None:
    cert = self_signed(tmp_path)
    scripted, url = await server_for(always(ok()), cert.server_context)
    trusting = ssl.create_default_context(cadata=cert.cert_pem.decode())
    async with LexwareApi(base_url=url, retry_policy=FAST_RETRY, tls=trusting) as api:
        profile = await api.for_key(API_KEY).profile()
    assert profile.organization_id == ORG_ID
    assert len(scripted.heads) == 1
    assert b"authorization: bearer " + API_KEY.lower().encode() in scripted.heads[0].lower()


async def test_chunked_bodies_over_one_reused_connection(
    server_for: StartServer,
) -> None:
    scripted, url = await server_for(always(chunked(PROFILE)))
    async with LexwareApi(base_url=url, retry_policy=FAST_RETRY, rate_per_second=1e6) as api:
        client = api.for_key(API_KEY)
        profiles = [await client.profile() for _ in range(5)]
    assert {p.organization_id for p in profiles} == {ORG_ID}
    assert (scripted.connections, len(scripted.heads)) == (1, 5)


async def test_a_429_with_retry_after_is_retried_and_slows_the_key(
    server_for: StartServer,
) -> None:
    answers = iter([too_many("1"), ok()])
    scripted, url = await server_for(lambda *_: next(answers))
    async with LexwareApi(base_url=url, retry_policy=FAST_RETRY, rate_per_second=1e6) as api:
        client = api.for_key(API_KEY)
        pacer = api.pacers.for_fingerprint(key_fingerprint(API_KEY))
        profile = await client.profile()
    assert profile.organization_id == ORG_ID
    assert (client.stats.rate_limited, client.stats.retries) == (1, 1)
    assert pacer.interval > pacer.base_interval
    assert scripted.connections == 1  # a 429 keeps the connection


async def test_a_keep_alive_connection_the_server_closed_is_replaced_silently(
    server_for: StartServer,
) -> None:
    # The first connection answers one request, then closes when the next one arrives
    # (its idle timeout ran out just then); the second connection answers everything.
    def script(connection: int, number: int, _head: bytes) -> bytes | None:
        return None if (connection, number) == (1, 2) else ok()

    scripted, url = await server_for(script)
    async with LexwareApi(base_url=url, retry_policy=FAST_RETRY, rate_per_second=1e6) as api:
        client = api.for_key(API_KEY)
        await client.profile()
        await client.profile()
        await client.profile()
    assert scripted.connections == 2
    assert len(scripted.heads) == 4  # the request the closed connection took, sent again
    assert client.stats.requests_sent == 3


async def test_a_server_that_does_not_answer_times_out_and_is_retried(
    server_for: StartServer,
) -> None:
    scripted, url = await server_for(always(HANG))
    policy = RetryPolicy(attempts=2, timeout=10.0, wait_initial=0, wait_max=0, wait_jitter=0)
    async with LexwareApi(
        base_url=url, retry_policy=policy, timeout=httpx.Timeout(0.2), rate_per_second=1e6
    ) as api:
        client = api.for_key(API_KEY)
        with pytest.raises(LexwareUnavailableError) as timed_out:
            await client.profile()
    assert (client.stats.requests_sent, client.stats.retries) == (2, 1)
    # what a log line with the traceback would show: the aiohttp errors chained below it
    assert API_KEY not in "".join(traceback.format_exception(timed_out.value))
    assert len(scripted.heads) == 2


def test_the_proxy_comes_from_the_environment_unless_no_proxy_names_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert proxy_from_environment("https://api.lexware.io") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert proxy_from_environment("https://api.lexware.io") == "http://proxy.internal:3128"
    monkeypatch.setenv("NO_PROXY", "api.lexware.io")
    assert proxy_from_environment("https://api.lexware.io") is None
