"""Fetch an image by URL without letting the server be used to reach internal networks (SSRF).

Every connection goes through `_CheckedResolver`: it resolves the host once, refuses the
request if *any* address is not public, and hands Tornado exactly the addresses it checked,
so a second DNS answer (rebinding) can never slip in between check and connect. Redirects are
followed by hand so that each hop's URL is validated and resolved through the same resolver.
"""

import asyncio
import ipaddress
import socket
import ssl
import typing
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from tornado.httpclient import HTTPRequest
from tornado.httputil import HTTPInputError
from tornado.netutil import Resolver
from tornado.simple_httpclient import (
    HTTPStreamClosedError,
    HTTPTimeoutError,
    SimpleAsyncHTTPClient,
)

from app.errors import DomainError, Invalid, TooLarge

USER_AGENT = "Pixvault/0.1 (+url fetcher)"
MAX_URL_LENGTH = 2048
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_V4_COMPAT = ipaddress.ip_network("::/96")
_NOT_ALLOWED = "That address is not allowed"
# Most specific first: the first matching exception type names the failure.
_REASONS = (
    ((HTTPTimeoutError, TimeoutError), "the request timed out"),
    (ssl.SSLCertVerificationError, "the server's TLS certificate is not valid"),
    (ssl.SSLError, "the TLS handshake failed"),
    (ConnectionRefusedError, "connection refused"),
    ((HTTPStreamClosedError, ConnectionResetError), "the server closed the connection"),
    (OSError, "network error"),
)


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int  # size limit enforced while streaming
    timeout: float = 20.0  # total, across all redirect hops
    connect_timeout: float = 5.0
    max_redirects: int = 5
    allow_loopback: bool = False  # tests only: 127.0.0.0/8 and ::1, never private/link-local


@dataclass(frozen=True)
class FetchedFile:
    final_url: str
    filename: str  # last path segment of final_url, unquoted, display only (may be "")
    content_type: str  # as sent by the server; informational, never trusted
    size: int


def _is_global(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # is_global alone lets multicast, ::/8 and site-local fec0::/10 through; the other flags
    # guard against Python versions whose special-range tables differ.
    bad = addr.is_multicast or addr.is_reserved or addr.is_private or addr.is_link_local
    bad = bad or addr.is_loopback or addr.is_unspecified or getattr(addr, "is_site_local", False)
    return addr.is_global and not bad


def is_public_address(ip: str, allow_loopback: bool = False) -> bool:
    """True if `ip` (v4 or v6 text) may be fetched from.

    Refuses loopback, private, link-local (cloud metadata), CGNAT, multicast, reserved,
    unspecified and documentation ranges. IPv6 forms that embed an IPv4 address (mapped,
    compatible, NAT64 64:ff9b::/96, 6to4) are judged by the embedded address.
    `allow_loopback` admits exactly 127.0.0.0/8 and ::1, for tests against a local server.
    """
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if allow_loopback and addr.is_loopback:
        return True
    if addr.version == 6:
        if addr.ipv4_mapped is not None:
            return _is_global(addr.ipv4_mapped)
        if addr in _NAT64 or (addr in _V4_COMPAT and int(addr) > 1):
            return _is_global(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
        if addr.sixtofour is not None and not _is_global(addr.sixtofour):
            return False
    return _is_global(addr)


class _CheckedResolver(Resolver):
    """Resolves once and returns only addresses that passed `is_public_address`."""

    def initialize(self, allow_loopback: bool = False) -> None:  # Configurable's constructor
        self.allow_loopback = allow_loopback

    async def resolve(
        self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[tuple[int, typing.Any]]:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, family=family, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError):
            raise Invalid("Could not fetch the URL: the host name does not resolve") from None
        addresses = [(fam, sockaddr) for fam, _, _, _, sockaddr in infos]
        # One bad address refuses the whole host: otherwise the attacker picks the order.
        if not addresses or not all(
            is_public_address(sockaddr[0], self.allow_loopback) for _, sockaddr in addresses
        ):
            raise Invalid(_NOT_ALLOWED)
        return addresses


def _check_url(url: str) -> str:
    """Validate a user-supplied or redirect URL and return it normalised for Tornado."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise Invalid(f"That URL is too long ({MAX_URL_LENGTH} characters at most)")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise Invalid("The URL must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise Invalid("That URL is not valid") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise Invalid("Only http:// and https:// URLs can be fetched")
    if "@" in parts.netloc:
        raise Invalid("URLs with a user name or password are not allowed")
    if not parts.hostname:
        raise Invalid("The URL has no host name")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is not None and not 1 <= port <= 65535:
        raise Invalid("The URL's port must be a number from 1 to 65535")
    try:  # Tornado sends the host in the Host header, which must be ASCII.
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise Invalid("The URL's host name is not valid") from None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    # Percent-encode non-ASCII path/query characters as browsers do; keep existing escapes.
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=~?")
    return urlunsplit((parts.scheme.lower(), netloc, path or "/", query, ""))


class _Abort(HTTPInputError):
    """Stops a transfer from a callback: Tornado logs any other exception raised there as
    "Uncaught exception", but an HTTPInputError just closes the connection quietly."""


class _Hop:
    """Per-request state: the status line, the byte count and whether the limit was hit."""

    def __init__(self, dest: typing.BinaryIO, max_bytes: int):
        self.dest, self.max_bytes = dest, max_bytes
        self.status = 0
        self.size = 0
        self.too_large = False

    def on_header(self, line: str) -> None:
        if line.startswith("HTTP/"):  # start line; header names cannot contain "/"
            self.status = int(line.split()[1])
        elif line.lower().startswith("content-length:") and 200 <= self.status < 300:
            value = line.partition(":")[2].strip()
            if value.isascii() and value.isdigit() and int(value) > self.max_bytes:
                self.too_large = True
                raise _Abort("Content-Length over the limit")

    def on_chunk(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:  # also caps redirect and error bodies
            self.too_large = True
            raise _Abort("body over the limit")
        if 200 <= self.status < 300:
            self.dest.write(chunk)


def _fetch_error(err: Exception) -> DomainError:
    """Turn a network or protocol failure into a message a user can act on."""
    if isinstance(err, DomainError):
        return err
    reason = next((text for kinds, text in _REASONS if isinstance(err, kinds)), None)
    return Invalid(f"Could not fetch the URL: {reason or 'the answer was not valid HTTP'}")


async def fetch_url(url: str, dest: typing.BinaryIO, policy: FetchPolicy) -> FetchedFile:
    """Download `url` into `dest`, following up to `policy.max_redirects` redirects.

    Raises `Invalid` for a bad or disallowed URL/address, a network failure, a timeout, too
    many redirects or a non-2xx answer, and `TooLarge` once the body exceeds
    `policy.max_bytes`. On error `dest` may hold a partial body; the caller discards it.
    """
    current = _check_url(url)
    client = SimpleAsyncHTTPClient(
        force_instance=True,
        resolver=_CheckedResolver(allow_loopback=policy.allow_loopback),
        # Tornado's own limit is only a backstop: ours must trip first to report TooLarge.
        max_body_size=policy.max_bytes * 2 + (1 << 20),
        max_header_size=64 * 1024,
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + policy.timeout
    try:
        for hop_number in range(policy.max_redirects + 1):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise Invalid("Could not fetch the URL: the request timed out")
            hop = _Hop(dest, policy.max_bytes)
            request = HTTPRequest(
                current,
                headers={"User-Agent": USER_AGENT, "Accept": "image/*,*/*;q=0.8"},
                follow_redirects=False,
                connect_timeout=min(policy.connect_timeout, remaining),
                request_timeout=remaining,
                header_callback=hop.on_header,
                streaming_callback=hop.on_chunk,
            )
            try:
                response = await client.fetch(request, raise_error=False)
            except Exception as err:  # noqa: BLE001 - every failure becomes a 4xx reason
                if hop.too_large:
                    limit = f"{policy.max_bytes:,} bytes"
                    raise TooLarge(f"The file at that URL is larger than {limit}") from None
                raise _fetch_error(err) from None
            if response.code in _REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise Invalid("The server sent a redirect without a Location")
                if hop_number == policy.max_redirects:
                    break
                current = _check_url(urljoin(current, location))
                continue
            if not 200 <= response.code < 300:
                raise Invalid(f"The server answered {response.code} {response.reason}".strip())
            if hop.size == 0:
                raise Invalid("The server sent an empty response")
            name = unquote(urlsplit(current).path.rsplit("/", 1)[-1], errors="replace")
            return FetchedFile(
                final_url=current,
                filename=name.replace("\\", "/").rsplit("/", 1)[-1],
                content_type=response.headers.get("Content-Type", ""),
                size=hop.size,
            )
        raise Invalid("Too many redirects")
    finally:
        client.close()
