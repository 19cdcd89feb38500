"""Where webhooks may go: public addresses only (server-side request forgery).

A subscriber names the URL the register POSTs to, so without a check anyone with a trust HR token could make the
register call inside its own network: the cloud metadata service (169.254.169.254), the database, an admin port.
Two checks, with one rule (:func:`forbidden`):

- at subscription, the URL's host: an address literal in any spelling (``2130706433``, ``0x7f.1``, ``[::1]``) or
  ``localhost``, and every address its name resolves to now;
- at delivery, in :class:`GuardedTransport`: the name is resolved, every address checked, and the connection made
  to the checked address itself (TLS still verifies the name, and ``Host`` still carries it), so a name that
  resolves elsewhere between the check and the connection (DNS rebinding) cannot redirect the POST.

Hosts named in ``REGISTER_WEBHOOK_PRIVATE_HOSTS`` (development and tests only; empty by default) may use plain
http and private or loopback addresses. Redirects are never followed.
"""

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Collection
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

RESOLVE_TIMEOUT_SECONDS = 3.0
# What the C library (and so every HTTP client) reads as an IPv4 address: decimal, octal or hex, 1 to 4 parts.
_INET_ATON = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}$", re.IGNORECASE)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL_NAMES = ("localhost", "localhost.localdomain")
_TRANSPORTS_MAX = 1000


class ReceiverRefused(httpx.TransportError):
    """The receiver's address is one the register does not send to; the message says why (no URL in it)."""


def normalise_host(host: str) -> str:
    """Lower case, without IPv6 brackets or a trailing dot (``LOCALHOST.`` is ``localhost``)."""
    return host.strip("[]").rstrip(".").lower()


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form a resolver accepts, or None for a name."""
    host = normalise_host(host)
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _INET_ATON.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def forbidden(address: IPAddress) -> str | None:
    """Why the register must not connect to ``address`` (loopback, private, ...), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is not None:
            return forbidden(embedded)
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local (this includes cloud metadata services)"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return "not a unicast address"
    if address.is_private or not address.is_global:
        return "private or not publicly routable"
    return None


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to now (empty when it does not resolve within a few seconds)."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _refusal(host: str, address: str) -> str | None:
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "is not an IP address"
    reason = forbidden(parsed)
    return f"resolves to {parsed}, which is {reason}" if reason and address != host else reason


async def check_receiver_url(url: str, private_hosts: Collection[str], resolve: Resolver = resolve_host) -> str | None:
    """Why the register will not send to ``url`` (a sentence ending without a full stop), or None if it may.

    A name that does not resolve yet is accepted: it is checked again at every delivery.
    """
    parts = urlsplit(url)
    host = normalise_host(parts.hostname or "")
    if host in {normalise_host(h) for h in private_hosts}:
        return None
    if parts.scheme != "https":
        return "must use https (plain http only for hosts named in REGISTER_WEBHOOK_PRIVATE_HOSTS)"
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return "must not point at this machine (localhost)"
    address = literal_address(host)
    if address is not None:
        reason = forbidden(address)
        return f"must not point at a {reason} address ({address})" if reason else None
    for resolved in await resolve(host, parts.port or 443):
        reason = _refusal(host, resolved)
        if reason:
            return f"must be a public receiver: {host} {reason}"
    return None


class GuardedTransport(httpx.AsyncBaseTransport):
    """An HTTP transport that sends only to public addresses, connecting to the address it checked.

    The request's URL is rewritten to the checked IP address for the connection, with the name kept for TLS
    (``sni_hostname``: the certificate is verified against it) and in ``Host``; one connection pool per name,
    so a connection made for one name never carries another name's request.
    """

    def __init__(
        self,
        private_hosts: Collection[str] = (),
        *,
        resolve: Resolver = resolve_host,
        make_transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.private_hosts = frozenset(normalise_host(h) for h in private_hosts)
        self._resolve = resolve
        self._make = make_transport or (lambda: httpx.AsyncHTTPTransport(retries=0))
        self._transports: dict[str, httpx.AsyncBaseTransport] = {}

    async def pinned_address(self, url: httpx.URL) -> str:
        """The checked address to connect to for ``url``; ``ReceiverRefused`` if there is none."""
        host = normalise_host(url.host)
        private = host in self.private_hosts
        if url.scheme != "https" and not private:
            raise ReceiverRefused("refused: plain http to a host not named in REGISTER_WEBHOOK_PRIVATE_HOSTS")
        literal = literal_address(host)
        addresses = [str(literal)] if literal is not None else await self._resolve(host, url.port or 443)
        if not addresses:
            raise ReceiverRefused(f"refused: {host} does not resolve")
        if not private:
            for address in addresses:
                reason = _refusal(host, address)
                if reason:
                    raise ReceiverRefused(f"refused: {host} {reason}")
        return addresses[0]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        address = await self.pinned_address(request.url)
        request.url = request.url.copy_with(host=address)  # ``Host`` was set from the name when the request was made
        request.extensions = {**request.extensions, "sni_hostname": host}
        transport = self._transports.get(host)
        if transport is None:
            if len(self._transports) >= _TRANSPORTS_MAX:
                await self._close_transports()
            transport = self._transports[host] = self._make()
        return await transport.handle_async_request(request)

    async def _close_transports(self) -> None:
        transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            await transport.aclose()

    async def aclose(self) -> None:
        await self._close_transports()
