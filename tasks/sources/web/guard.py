"""Refuse private, loopback, link-local and metadata addresses (SSRF), and connect only to the
addresses that were checked.

Two layers, both needed:

- :func:`check_url` runs before every request (redirect hops and robots.txt included): http(s)
  only, a host and port httpx accepts, the host as httpx will send it to DNS (its IDNA 2008
  encoding, through the same ``idna`` package: ``faß.de`` is ``xn--fa-hia.de``, never the IDNA
  2003 ``fass.de`` the standard library would resolve), and an IP-literal host judged at once.
- :class:`GuardedBackend` is the network backend of the fetcher's transport: it resolves the very
  host httpx connects to, refuses the connection when any address is not public, and connects to
  the address it vetted. There is no second lookup, so a DNS answer that changes between check and
  connection (rebinding) cannot slip through.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpcore
import httpx
import idna

from tasks.core.errors import BadUrl, BlockedAddress, FetchLater

#: ``(host, port) -> addresses`` to connect to, each one already judged fit to be fetched from.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")
# RFC 8215 local-use NAT64 prefix: where the IPv4 address sits depends on the prefix length
# the operator chose, so the whole range is refused rather than guessed at.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
_WELL_KNOWN_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 (SIIT)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL makes httpx connect: scheme, ASCII host (IDNA-encoded as httpx does), port."""

    scheme: str
    host: str
    port: int

    @property
    def origin(self) -> str:
        """``scheme://host:port``: the key of robots.txt and of per-host politeness."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_target(url: str) -> Target:
    """The connection ``url`` asks for, as httpx parses it; :class:`BadUrl` for anything httpx
    would refuse or that names no valid http(s) host and port."""
    try:
        parsed = httpx.URL(url)
        scheme, raw_host, port = parsed.scheme, parsed.raw_host, parsed.port
    except (httpx.InvalidURL, ValueError, TypeError) as exc:  # idna's errors are ValueErrors
        raise BadUrl(f"not a valid URL: {url!r} ({exc})") from exc
    if scheme not in _DEFAULT_PORTS:
        raise BadUrl(f"only http(s) URLs are fetched: {url!r}")
    host = raw_host.decode("ascii")
    if not host:
        raise BadUrl(f"no host in {url!r}")
    port = _DEFAULT_PORTS[scheme] if port is None else port
    if not 0 < port < 65536:
        raise BadUrl(f"port {port} out of range in {url!r}")
    if not _is_ip(host):
        _check_hostname(host, url)
    return Target(scheme, host, port)


def _check_hostname(host: str, url: str) -> None:
    labels = host.removesuffix(".").split(".")
    if len(host) > 253 or any(not 0 < len(label) < 64 or not _HOST_LABEL_CHARS.issuperset(label) for label in labels):
        raise BadUrl(f"not a valid host name: {host!r} in {url!r}")
    for label in labels:
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except idna.IDNAError as exc:
                raise BadUrl(f"invalid IDNA label {label!r} in {url!r}: {exc}") from exc


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def is_public(address: str) -> bool:
    """True for a globally routable unicast address.

    IPv6 forms that carry an IPv4 address (IPv4-mapped and -compatible, SIIT, NAT64
    ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged by that IPv4 address: ``64:ff9b::a9fe:a9fe``
    reaches 169.254.169.254 through a NAT64 gateway, whatever ``ipaddress`` thinks of the prefix.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return _is_public_ip(embedded)
    return _is_public_ip(ip)


def _is_public_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address, de-obfuscated by ipaddress
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0:  # ::a.b.c.d (IPv4-compatible, deprecated); ::1 and :: land here too
        return low
    if ip in _WELL_KNOWN_NAT64 or ip in _IPV4_TRANSLATED:
        return low
    return None


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise unless ``url`` is an http(s) URL httpx can connect to and, unless ``allow_private``,
    its host is not an IP literal of a private address.

    Host names are judged when the connection is made (:class:`GuardedBackend`), on the address
    actually connected to.
    """
    target = parse_target(url)
    if not allow_private and _is_ip(target.host) and not is_public(target.host):
        raise BlockedAddress(f"{target.host} is not a public address (NEWSFLOW_ALLOW_PRIVATE_HOSTS=1 allows intranets)")


async def resolve_public(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in resolver order, when every one of them is public.

    Raises :class:`BlockedAddress` when any is not (one private answer is enough to refuse:
    which address a retry would pick is not ours to decide), :class:`FetchLater` (``dns_error``)
    when the name does not resolve.
    """
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
        raise FetchLater(f"cannot resolve {host}: {exc}", reason="dns_error") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    blocked = [address for address in addresses if not is_public(address)]
    if blocked:
        raise BlockedAddress(
            f"{host} resolves to non-public address(es) {', '.join(blocked)} "
            "(refused by default; NEWSFLOW_ALLOW_PRIVATE_HOSTS=1 allows intranets)"
        )
    if not addresses:
        raise FetchLater(f"{host} resolves to no address", reason="dns_error")
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses ``resolve`` returned.

    TLS still verifies the certificate against the host name (httpcore passes it as SNI), so
    connecting to the IP changes nothing else.
    """

    def __init__(self, resolve: Resolver = resolve_public, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._resolve = resolve
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} took more than {timeout} s") from exc
        error: Exception = httpcore.ConnectError(f"no address to connect to for {host}")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc  # try the next vetted address, as a resolver-driven connect would
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never fetched from")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(
    limits: httpx.Limits, *, allow_private: bool, resolve: Resolver = resolve_public
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport, connecting through :class:`GuardedBackend` unless ``allow_private``.

    Environment proxies are not used: a proxy would resolve names itself, out of the guard's sight.
    """
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    if not allow_private:
        # httpx 0.28 takes no network backend, so its pool is rebuilt with the settings httpx
        # gives it, plus ours (tests/tasks/test_fetch.py checks that connections go through it).
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(resolve),
        )
    return transport
