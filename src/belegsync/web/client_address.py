"""The client's address, also behind a reverse proxy the operator trusts.

``X-Forwarded-For`` is read only when the direct peer is a trusted proxy; then the
rightmost hop that is not itself a trusted proxy is the client. Anyone else could put
any address into that header, so it is ignored for them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from belegsync.web.types import WebRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``"10.0.0.1"`` or ``"10.0.0.0/8"`` items as networks (ValueError if malformed)."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: WebRequest, proxies: tuple[Network, ...]) -> str:
    peer = request.client.host if request.client else "unknown"
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    hops = [hop for hop in hops if hop]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:64]
    return hops[0][:64] if hops else peer
