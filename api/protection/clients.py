"""The address a client is counted by."""

import ipaddress

from fastapi import Request


def client_network(address: str) -> str:
    """An IPv4 address as it is; an IPv6 one by its /64, which one subscriber (a home, a phone)
    usually has all of. An IPv4 client on a dual-stack socket (::ffff:a.b.c.d) is its IPv4."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def request_client(request: Request) -> str:
    """The client of a request, counted as above. uvicorn has already replaced the connection's
    address with X-Forwarded-For's when, and only when, the connection came from one of
    TELLUS_FORWARDED_ALLOW_IPS (its --forwarded-allow-ips)."""
    return client_network(request.client.host if request.client else "unknown")
