"""The outbound guard: where the server may connect for an owner or a manager.

A host name is looked up once; if any of its addresses is on a private network (loopback,
private, link-local, unique-local, multicast, unspecified, reserved, or an IPv6 address that
carries one of those), the connection is refused. Otherwise the caller connects to the address
that was checked, never to the name again, so a name cannot change between the check and the
connection (DNS rebinding). What the operator lists in TELLUS_OUTBOUND_ALLOW is trusted.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from api.errors import Unprocessable
from api.i18n import N_, Language

# Seconds to connect, and to wait for each answer: a foreign server never holds a thread long.
CONNECT_SECONDS = 3.0
ANSWER_SECONDS = 5.0

PRIVATE_NETWORK = N_(
    "That address is on a private network: Tellus only connects to public servers."
)
NOT_AN_ADDRESS = N_("That is not the address of a server.")
NOT_FOUND = N_("That server's name could not be found.")
COULD_NOT_CONNECT = N_("Could not connect to that server.")
TIMED_OUT = N_("That server did not answer in time.")
ANSWERED = N_("The server answered %(status)s.")

# A host (lower case, no brackets, no trailing dot) and a port, or None for any port.
AllowedHosts = frozenset[tuple[str, int | None]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
DEFAULT_PORTS = {"http": 80, "https": 443}


class OutboundError(Unprocessable):
    """The server would not, or could not, reach an address. The message says what failed in
    general terms and never repeats what a foreign server said."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message % values if values else message)
        self.template, self.values = message, values

    def in_language(self, language: Language) -> str:
        """The message translated, for a page or an answer in that language."""
        text = language.gettext(self.template)
        return text % self.values if self.values else text


@dataclass(frozen=True)
class Timeouts:
    """Seconds to connect, and to wait for each answer."""

    connect: float
    answer: float


@dataclass(frozen=True)
class Destination:
    """Where to connect: `address` was checked; `host` is the name TLS verifies."""

    host: str
    port: int
    address: str


def host_key(host: str) -> str:
    """A host as it is compared: lower case, without brackets or a trailing dot; an IPv6
    address in its short form."""
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host


def parse_allowed_hosts(text: str) -> AllowedHosts:
    """TELLUS_OUTBOUND_ALLOW: hosts or host:port, separated by commas or spaces; an IPv6
    address in brackets when it has a port ("relay.internal, 127.0.0.1:8025, [::1]:25")."""
    allowed: set[tuple[str, int | None]] = set()
    for entry in text.replace(",", " ").split():
        host, port = entry, ""
        if entry.startswith("["):
            host, _, rest = entry[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else rest  # anything else is refused below
        elif entry.count(":") == 1:
            host, _, port = entry.partition(":")
        key = host_key(host)
        bad_port = port and not (port.isdigit() and 0 < int(port) < 65536)
        if not key or bad_port or (":" in key and not is_ip_address(key)):
            raise ValueError(f"{entry!r} is not a host or host:port")
        allowed.add((key, int(port) if port else None))
    return frozenset(allowed)


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_allowed(host: str, port: int, allowed: AllowedHosts) -> bool:
    key = host_key(host)
    return (key, None) in allowed or (key, port) in allowed


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (mapped, 6to4, Teredo, NAT64)."""
    found = [inner for inner in (address.ipv4_mapped, address.sixtofour) if inner is not None]
    found.extend(address.teredo or ())
    if address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
    return found


def is_public(address: Address) -> bool:
    """An address on the public internet: not this machine, its networks, or anything reserved."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if not all(is_public(ipv4) for ipv4 in inner):
            return False
        if address.ipv4_mapped or address in NAT64:
            return True  # only a translation: the IPv4 address is where it goes
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    )


def lookup(host: str, port: int) -> list[str]:
    """Every address the name resolves to (the system's resolver, as a connection would use)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in found))


def resolve_destination(host: str, port: int, *, allowed: AllowedHosts) -> Destination:
    """Look the name up once and check every address; the one to connect to. Blocking: call it
    from a worker thread, never on the event loop."""
    name = host_key(host)
    if not name or not 0 < port < 65536:
        raise OutboundError(NOT_AN_ADDRESS)
    try:
        addresses = lookup(name, port)
    except (socket.gaierror, UnicodeError) as error:
        raise OutboundError(NOT_FOUND) from error
    if not addresses:
        raise OutboundError(NOT_FOUND)
    if not is_allowed(name, port, allowed):
        # A scope (fe80::1%eth0) is only ever on a link-local address, which is refused anyway.
        if not all(is_public(ipaddress.ip_address(a.partition("%")[0])) for a in addresses):
            raise OutboundError(PRIVATE_NETWORK)
    return Destination(host=name, port=port, address=addresses[0])


def check_destination(host: str, port: int, *, allowed: AllowedHosts) -> None:
    """The check when an address is saved: refused if it leads to a private network. A name
    that cannot be found now is kept (it is checked again at every connection)."""
    try:
        resolve_destination(host, port, allowed=allowed)
    except OutboundError as error:
        if error.template != NOT_FOUND:
            raise


def url_host_port(url: str) -> tuple[str, int]:
    """The host and port an http(s) URL connects to."""
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    except ValueError as error:
        raise OutboundError(NOT_AN_ADDRESS) from error
    if not parts.hostname or not port:
        raise OutboundError(NOT_AN_ADDRESS)
    return parts.hostname, port


def check_url(url: str, *, allowed: AllowedHosts) -> None:
    """The check when an http(s) URL is saved (see `check_destination`)."""
    host, port = url_host_port(url)
    check_destination(host, port, allowed=allowed)
