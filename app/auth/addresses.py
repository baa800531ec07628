"""Client addresses as Pixvault keeps them: as networks, never finer than it needs."""

import ipaddress


def network(address: str, ipv4_prefix: int, ipv6_prefix: int) -> str | None:
    """The network of `address` ('203.0.113.0/24', '2001:db8::/48'), None if it is not an
    IP address. An IPv4-mapped IPv6 address ('::ffff:a.b.c.d') is the IPv4 client it is."""
    try:
        ip = ipaddress.ip_address(address)
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        prefix = ipv4_prefix if ip.version == 4 else ipv6_prefix
        return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    except ValueError:
        return None
