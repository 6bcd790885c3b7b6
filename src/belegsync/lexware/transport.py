"""The wire under :class:`~belegsync.lexware.http.KeyedSender`: one request out, one answer in.

Production sends through one ``aiohttp.ClientSession`` (:class:`AiohttpWire`): its C
HTTP parser and its connection pool cost a fraction of the CPU of httpx's pure-Python
stack (httpx → httpcore → h11 → anyio), which was close to half of a worker's CPU at full
rate. Tests hand ``LexwareApi`` an httpx transport instead (``httpx.MockTransport``, the
emulator's ``httpx.ASGITransport``): :class:`HttpxWire` sends through it.

Both give an :class:`Answer` (status, headers, the whole body) or raise a
:class:`WireError` (no HTTP answer: refused, dropped, timed out, TLS refused), which says
whether the request can have reached Lexware; the sender decides on retries from that.
TLS is always verified in production: against certifi's CAs, or a context the caller
passes (tests trusting a self-signed certificate).
"""

from __future__ import annotations

import ssl
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import certifi
import httpx
from yarl import URL

Headers = Sequence[tuple[str, str]]

# Raised before any byte of the request reached Lexware: safe to repeat even for writes.
_HTTPX_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_HTTPX_RETRYABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_AIOHTTP_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
# A certificate Lexware's name does not match, or no CA vouches for: asking again will not help.
_AIOHTTP_FINAL = (
    aiohttp.ClientConnectorCertificateError,
    aiohttp.ClientConnectorSSLError,
    aiohttp.InvalidURL,
)


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer, read in full. ``headers`` look names up case-insensitively."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes


class WireError(Exception):
    """No HTTP answer. ``sent``: the request may have reached the server (a write must not
    be repeated then); ``retryable``: asking again may get an answer."""

    def __init__(self, kind: str, *, sent: bool, retryable: bool) -> None:
        super().__init__(kind)
        self.kind = kind
        self.sent = sent
        self.retryable = retryable

    def __repr__(self) -> str:
        # stamina logs repr(exc); the kind only, no URL or header.
        return f"WireError({self.kind})"


class Wire(Protocol):
    async def send(self, method: str, url: str, headers: Headers, body: bytes | None) -> Answer:
        """``url`` is the path and query below the base URL, already encoded."""
        ...

    async def aclose(self) -> None: ...


def default_tls_context() -> ssl.SSLContext:
    """Certificates and host names verified against certifi's CA bundle (as httpx did)."""
    return ssl.create_default_context(cafile=certifi.where())


def proxy_from_environment(base_url: str) -> str | None:
    """The proxy ``HTTPS_PROXY`` / ``HTTP_PROXY`` name for ``base_url`` (``NO_PROXY``
    honoured), as httpx took it; read once, not per request as aiohttp's ``trust_env``
    would (two thread hops per request)."""
    url = URL(base_url)
    if url.host is None or urllib.request.proxy_bypass(url.host):
        return None
    return urllib.request.getproxies().get(url.scheme)


class AiohttpWire:
    """Production: one ``aiohttp.ClientSession`` for every key of the process.

    Its pool keeps up to ``max_connections`` connections (idle ones for ``keepalive``
    seconds) and hands a request an idle connection without looking at the others, so one
    pool serves thousands of keys; a stale keep-alive connection is replaced by aiohttp for
    idempotent requests. No cookie jar, redirects or ``.netrc``: the Lexware API needs
    none of them. A proxy named in the environment when the pool opens is used.
    """

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        max_connections: int,
        keepalive: float,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers)
        self._tls = tls if tls is not None else default_tls_context()
        self._max_connections = max_connections
        self._keepalive = keepalive
        self._timeout = aiohttp.ClientTimeout(
            total=timeout.read, connect=timeout.connect, sock_read=timeout.read
        )
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Made in the running event loop, on the first request.
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            limit_per_host=0,
            keepalive_timeout=self._keepalive,
            ssl=self._tls,
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=self._headers,
            timeout=self._timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
            raise_for_status=False,
            auto_decompress=True,
            trust_env=False,
            proxy=proxy_from_environment(self._base_url),
        )
        return self._session

    async def send(self, method: str, url: str, headers: Headers, body: bytes | None) -> Answer:
        session = self._session or self._open()
        try:
            async with session.request(
                method,
                URL(self._base_url + url, encoded=True),
                headers=headers,
                data=body,
                allow_redirects=False,
            ) as response:
                content = await response.read()
                return Answer(response.status, response.headers, content)
        except (TimeoutError, aiohttp.ClientError) as error:
            raise WireError(
                type(error).__name__,
                sent=not isinstance(error, _AIOHTTP_NOT_SENT),
                retryable=not isinstance(error, _AIOHTTP_FINAL),
            ) from error

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


class HttpxWire:
    """Tests: sends through an httpx transport as ``httpx.AsyncClient`` would, minus what
    the Lexware API does not use (cookies, auth flows, redirects, event hooks)."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport,
        base_url: str,
        *,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
    ) -> None:
        self._transport = transport
        self._base_url = base_url.rstrip("/")
        # httpx.AsyncClient's default; aiohttp adds it on its own (and decodes, as httpx does).
        self._headers = [*headers.items(), ("Accept-Encoding", "gzip, deflate")]
        self._timeout: dict[str, Any] = timeout.as_dict()

    async def send(self, method: str, url: str, headers: Headers, body: bytes | None) -> Answer:
        request = httpx.Request(
            method,
            self._base_url + url,
            headers=[*self._headers, *headers],
            content=body,
            extensions={"timeout": self._timeout},
        )
        try:
            response = await self._transport.handle_async_request(request)
            try:
                await response.aread()
            finally:
                await response.aclose()
        except httpx.TransportError as error:
            raise WireError(
                type(error).__name__,
                sent=not isinstance(error, _HTTPX_NOT_SENT),
                retryable=isinstance(error, _HTTPX_RETRYABLE),
            ) from error
        return Answer(response.status_code, response.headers, response.content)

    async def aclose(self) -> None:
        await self._transport.aclose()
