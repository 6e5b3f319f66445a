"""IP addresses and CIDR ranges as EventBridge reads them, for `cidr` and for exact matches on addresses."""

from __future__ import annotations

import ipaddress
import re

from localaws.eventbridge.errors import InvalidEventPattern

# Only plain dotted IPv4 or hex-and-colon IPv6 count as addresses: no zone ids, no embedded dotted IPv4.
_IPV4_TEXT = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6_TEXT = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_MASK_TEXT = re.compile(r"[+-]?[0-9]+")

Address = tuple[int, int]  # (width in bits, integer value)


def looks_like_ip(text: str) -> bool:
    """Whether `text` has the shape of an address literal (before checking that it is a real one)."""
    return bool(_IPV4_TEXT.fullmatch(text) or _IPV6_TEXT.fullmatch(text))


def parse_ip(text: str) -> Address | None:
    """The address `text` denotes, or None; IPv4-mapped IPv6 addresses count as their IPv4 address."""
    if not looks_like_ip(text):
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.max_prefixlen, int(address)


def parse_cidr(text: str) -> tuple[int, int, int]:
    """The (width, lowest, highest) addresses a `cidr` operand covers, or InvalidEventPattern.

    The range runs from the network address (host bits cleared) to the last address; as in the service, a
    mask must leave at least one host bit, so /32 and /128 are refused.
    """
    parts = text.split("/")
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if len(parts) != 2:
        raise InvalidEventPattern("Malformed CIDR, one '/' required")
    ip_text, mask_text = parts
    if not _MASK_TEXT.fullmatch(mask_text):
        raise InvalidEventPattern("Malformed CIDR, mask bits must be an integer")
    mask = int(mask_text)
    if mask < 0:
        raise InvalidEventPattern("Malformed CIDR, mask bits must not be negative")
    address = _cidr_base(ip_text)
    width, base = address
    if mask >= width:
        raise InvalidEventPattern(f"IPv{4 if width == 32 else 6} mask bits must be < {width}")
    host_bits = (1 << (width - mask)) - 1
    return width, base & ~host_bits, base | host_bits


def _cidr_base(ip_text: str) -> Address:
    """The base address of a CIDR operand, with the service's two different complaints."""
    if not looks_like_ip(ip_text):
        raise InvalidEventPattern(f"Nonstandard IP address: {ip_text}")
    address = parse_ip(ip_text)
    if address is None:
        raise InvalidEventPattern(f"Invalid IP address: {ip_text}")
    return address
