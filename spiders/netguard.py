"""Only the public web: refuse every request that is not http(s) or that reaches a private address.

communique follows links written by strangers. A feed may link `file:///etc/passwd`, a
page may redirect to `http://169.254.169.254/` (a cloud's metadata service) or to a
router on the local network. Two guards, one rule (`refusal()`):

- `PublicOnlyMiddleware` (a downloader middleware, before robots.txt) checks every
  request — redirects and robots.txt included — by scheme and by the addresses its host
  resolves to, numeric forms too (`http://2130706433/` is 127.0.0.1). It also pins the
  checked address for the impersonate (curl) handler, which resolves names itself.
- `PublicOnlyResolver` (Scrapy's TWISTED_DNS_RESOLVER) drops private answers at the moment
  Twisted connects, so a name that resolves to a public address when checked and to a
  private one a second later (DNS rebinding) still cannot reach the private one.

`COMMUNIQUE_ALLOWED_NETWORKS` (comma-separated CIDRs) exempts networks: the demo and the
tests crawl 127.0.0.1 and set 127.0.0.0/8.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer, provider

from spiders.errors import ConfigError

logger = logging.getLogger(__name__)

SCHEMES = ("http", "https")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Carrier-grade NAT (RFC 6598): not "private" to Python's ipaddress, yet never the public web.
CGNAT = ipaddress.ip_network("100.64.0.0/10")
# Hosts whose answers the resolver refused, so an error can say why rather than "no such host".
REFUSED_HOSTS: dict[str, str] = {}


class RefusedRequest(IgnoreRequest):
    """Raised (to the request's errback) when a request is not http(s) or reaches a non-public address."""


def parse_networks(cidrs: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """The exempt networks; a malformed CIDR is a ConfigError naming it."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError:
            raise ConfigError(f"$COMMUNIQUE_ALLOWED_NETWORKS: {cidr!r} is not a network (e.g. 127.0.0.0/8)") from None
    return tuple(networks)


def address_kind(ip: IPAddress) -> str | None:
    """What makes an address non-public ("a private address", "a loopback address" …), or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return address_kind(embedded)
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    )
    for attribute, kind in checks:
        if getattr(ip, attribute):
            return kind
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return "a shared (CGNAT) address"
    if not ip.is_global:
        return "a non-public address"
    return None


def address_refusal(ip: IPAddress, allowed: tuple[Network, ...]) -> str | None:
    """'refused: 10.0.0.1 is a private address', or None when the address may be fetched."""
    candidates = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        candidates.append(ip.ipv4_mapped)
    if any(c in net for c in candidates for net in allowed if c.version == net.version):
        return None
    kind = address_kind(ip)
    return f"refused: {shown(ip)} is {kind}" if kind else None


def shown(ip: IPAddress) -> str:
    """An address as people write it (::ffff:127.0.0.1, not ::ffff:7f00:1)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return f"::ffff:{ip.ipv4_mapped}"
    return str(ip)


def literal_address(host: str) -> IPAddress | None:
    """The address a host names by itself, numeric forms included (2130706433, 0x7f.1, [::1])."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:  # the forms inet_aton (and so every resolver) accepts: 2130706433, 0x7f.1, 127.1
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for host (blocking: call it in a thread)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def scheme_refusal(url: str) -> str | None:
    """'refused: file: is not http(s)' for any scheme but http and https."""
    scheme = urlsplit(url).scheme.lower()
    return None if scheme in SCHEMES else f"refused: {scheme or '(no scheme)'}: is not http(s)"


def refusal(url: str, addresses: list[IPAddress], allowed: tuple[Network, ...]) -> str | None:
    """Why a request to url (whose host resolves to addresses) is refused, or None."""
    why = scheme_refusal(url)
    if why:
        return why
    for ip in addresses:
        why = address_refusal(ip, allowed)
        if why:
            return why
    return None


class PublicOnlyMiddleware:
    """Downloader middleware: refuse non-http(s) and non-public requests before anything is sent."""

    def __init__(self, allowed: tuple[Network, ...]):
        self.allowed = allowed
        self.addresses: dict[str, list[IPAddress]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(parse_networks(crawler.settings.getlist("COMMUNIQUE_ALLOWED_NETWORKS")))

    async def process_request(self, request):
        why = scheme_refusal(request.url)
        if why:
            raise RefusedRequest(why)
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = await self.addresses_of(host, port)
        why = refusal(request.url, addresses, self.allowed)
        if why:
            raise RefusedRequest(why)
        if request.meta.get("impersonate") and addresses:
            # curl resolves names itself: make it connect to the address checked here.
            options = dict(request.meta.get("impersonate_curl_options") or {})
            options["RESOLVE"] = [f"{host}:{port}:{_bracketed(addresses[0])}"]
            request.meta["impersonate_curl_options"] = options

    async def addresses_of(self, host: str, port: int) -> list[IPAddress]:
        literal = literal_address(host)
        if literal is not None:
            return [literal]
        if host not in self.addresses:
            try:
                self.addresses[host] = await maybe_deferred_to_future(threads.deferToThread(resolve, host, port))
            except (socket.gaierror, UnicodeError) as exc:
                raise DNSLookupError(host) from exc
        return self.addresses[host]


def _bracketed(ip: IPAddress) -> str:
    return f"[{ip}]" if ip.version == 6 else str(ip)


@provider(IResolutionReceiver)
class _PublicOnlyReceiver:
    """Passes on only the resolved addresses the guard allows."""

    def __init__(self, receiver, host: str, allowed: tuple[Network, ...]):
        self.receiver = receiver
        self.host = host
        self.allowed = allowed

    def resolutionBegan(self, resolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address) -> None:
        try:
            why = address_refusal(ipaddress.ip_address(address.host), self.allowed)
        except ValueError:
            why = f"refused: {address.host} is not an IP address"
        if why:
            REFUSED_HOSTS[self.host] = why
            logger.warning("%s (resolved from %s)", why, self.host)
            return
        self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class PublicOnlyResolver:
    """TWISTED_DNS_RESOLVER: Scrapy's caching resolver, with non-public answers dropped.

    A name with no public answer fails as a DNS lookup; REFUSED_HOSTS says why.
    """

    def __init__(self, reactor, inner: CachingThreadedResolver, allowed: tuple[Network, ...]):
        self.reactor = reactor
        self.inner = inner
        self.allowed = allowed
        self.name_resolver = None

    @classmethod
    def from_crawler(cls, crawler, reactor):
        inner = CachingThreadedResolver.from_crawler(crawler, reactor)
        return cls(reactor, inner, parse_networks(crawler.settings.getlist("COMMUNIQUE_ALLOWED_NETWORKS")))

    def install_on_reactor(self) -> None:
        self.inner.install_on_reactor()  # the reactor wraps it as its name resolver
        self.name_resolver = self.reactor.nameResolver
        self.reactor.installNameResolver(self)

    def resolveHostName(self, resolutionReceiver, hostName, portNumber=0, addressTypes=None,
                        transportSemantics="TCP"):
        receiver = _PublicOnlyReceiver(resolutionReceiver, hostName, self.allowed)
        return self.name_resolver.resolveHostName(receiver, hostName, portNumber, addressTypes, transportSemantics)
