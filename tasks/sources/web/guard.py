"""Refuse private, loopback, link-local and metadata addresses (SSRF), after DNS resolution."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from tasks.core.errors import BadUrl, BlockedAddress, FetchLater


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (IPv4-mapped IPv6 judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise unless ``url`` is http(s) and every address its host resolves to may be fetched.

    Checked before every request, redirects included. (A DNS answer that changes between this
    check and the connection is not caught: an accepted limit, see docs/fetching.md.)
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadUrl(f"only http(s) URLs with a host are fetched: {url}")
    if allow_private:
        return
    host = parts.hostname
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchLater(f"cannot resolve {host}: {exc}", reason="dns_error") from exc
    addresses = {str(info[4][0]) for info in infos}
    blocked = sorted(a for a in addresses if not is_public(a))
    if blocked:
        raise BlockedAddress(f"{host} resolves to non-public address(es) {', '.join(blocked)}")
