"""X-Forwarded-For counts only from a trusted proxy."""

from __future__ import annotations

from typing import Any

from litestar import Request

from belegsync.web.client_address import client_address, parse_networks


def _request(peer: str, forwarded: str | None = None) -> Request[Any, Any, Any]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    scope: Any = {"type": "http", "client": (peer, 4711), "headers": headers}
    return Request(scope)


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address(_request("203.0.113.9", "1.2.3.4"), ()) == "203.0.113.9"


def test_a_trusted_proxy_names_the_client() -> None:
    proxies = parse_networks(["10.0.0.0/8", "127.0.0.1"])
    assert client_address(_request("10.1.2.3", "198.51.100.7"), proxies) == "198.51.100.7"
    # The rightmost hop that is not a proxy: anything left of it the client wrote itself.
    chain = "6.6.6.6, 198.51.100.7, 10.9.9.9"
    assert client_address(_request("127.0.0.1", chain), proxies) == "198.51.100.7"


def test_an_untrusted_peer_cannot_claim_another_address() -> None:
    proxies = parse_networks(["10.0.0.0/8"])
    assert client_address(_request("203.0.113.9", "1.2.3.4"), proxies) == "203.0.113.9"
