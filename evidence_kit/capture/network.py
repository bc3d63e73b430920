"""Network facts of a capture: target URL checks, DNS answers, what kind of address an address is, TLS
certificates. The rules built on them (what a capture may reach) are in ``guard.py``.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidInput


def check_url(url: str) -> str:
    """The URL if it is an absolute http(s) URL with a host; otherwise :class:`InvalidInput`.

    >>> check_url("https://example.org/a?b")
    'https://example.org/a?b'
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  raises ValueError for a bad port
    except ValueError as exc:
        raise InvalidInput(f"not a valid URL: {url!r} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidInput(f"not an http or https URL: {url!r}")
    if not parts.hostname:
        raise InvalidInput(f"URL has no host: {url!r}")
    if any(ch.isspace() for ch in text):
        raise InvalidInput(f"URL contains spaces: {url!r}")
    return text


# Cloud metadata services (AWS, GCP, Azure, OpenStack on 169.254.169.254; AWS IPv6 on fd00:ec2::254;
# Alibaba on 100.100.100.200): reaching one from the investigator's machine can hand out credentials.
METADATA_ADDRESSES = frozenset({"169.254.169.254", "fd00:ec2::254", "100.100.100.200"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 carrier-grade NAT: not global


def address_kind(address: str) -> str | None:
    """What kind of non-public address this is (the words a record uses), or None for a public one.

    Judged by what the address reaches: an IPv4-mapped, NAT64 or 6to4 IPv6 address by its IPv4 part.
    Text that is not an IP address at all is never public.

    >>> [address_kind(a) for a in ("10.1.2.3", "169.254.169.254", "::ffff:127.0.0.1", "224.0.0.1", "8.8.8.8")]
    ['private', 'link-local, cloud metadata', 'loopback', 'multicast', None]
    """
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            address.strip().strip("[]").split("%", 1)[0]
        )
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.sixtofour is not None:
            inner = address_kind(str(ip.sixtofour))
            if inner is not None:
                return inner
    if str(ip) in METADATA_ADDRESSES:
        return "link-local, cloud metadata" if ip.is_link_local else "cloud metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7"):
        return "unique-local"
    if ip.is_reserved or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED):
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"
    return None


def is_private_address(address: str) -> bool:
    """Loopback, private (RFC 1918, RFC 4193), link-local, multicast, reserved, or otherwise not public.

    >>> [is_private_address(a) for a in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "93.184.216.34")]
    [True, True, True, True, False]
    """
    return address_kind(address) is not None


def is_local_name(host: str) -> bool:
    """``localhost`` and names under it: Chromium answers them with loopback itself, without DNS."""
    lowered = host.lower().rstrip(".")
    return lowered == "localhost" or lowered.endswith(".localhost")


# getaddrinfo cannot be interrupted; lookups run here so a dead resolver costs at most DNS_TIMEOUT.
_RESOLVER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dns")
DNS_TIMEOUT = 8.0


def resolve(host: str, timeout: float = DNS_TIMEOUT) -> list[str]:
    """The addresses a host name resolves to (an IP literal resolves to itself); [] when unresolvable."""
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    lookup = _RESOLVER.submit(socket.getaddrinfo, host, None, proto=socket.IPPROTO_TCP)
    try:
        answers = lookup.result(timeout=timeout)
    except (OSError, UnicodeError, FutureTimeout):
        return []
    seen: list[str] = []
    for *_, sockaddr in answers:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


def certificate_facts(der_chain: list[str], security: dict[str, Any] | None) -> dict[str, Any] | None:
    """TLS facts of the main document: from CDP ``securityDetails`` and the DER chain (base64 strings)."""
    if not security and not der_chain:
        return None
    facts: dict[str, Any] = {}
    if security:
        facts.update(
            {
                "protocol": security.get("protocol"),
                "cipher": security.get("cipher"),
                "key_exchange": security.get("keyExchange") or security.get("keyExchangeGroup"),
                "subject": security.get("subjectName"),
                "issuer": security.get("issuer"),
                "sans": list(security.get("sanList") or []),
                "certificate_transparency": security.get("certificateTransparencyCompliance"),
            }
        )
        for key, source in (("not_before", "validFrom"), ("not_after", "validTo")):
            if security.get(source) is not None:
                from datetime import UTC, datetime

                facts[key] = datetime.fromtimestamp(float(security[source]), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    chain = []
    for item in der_chain:
        der = base64.b64decode(item)
        entry: dict[str, Any] = {"sha256_fingerprint": "sha256:" + hashlib.sha256(der).hexdigest()}
        try:
            from cryptography import x509

            cert = x509.load_der_x509_certificate(der)
            entry.update(
                {
                    "subject": cert.subject.rfc4514_string(),
                    "issuer": cert.issuer.rfc4514_string(),
                    "serial": format(cert.serial_number, "x"),
                    "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
        except Exception as exc:  # noqa: BLE001  an unparsable certificate is still recorded by fingerprint
            entry["parse_error"] = str(exc)
        entry["pem"] = (
            "-----BEGIN CERTIFICATE-----\n"
            + "\n".join(item[i : i + 64] for i in range(0, len(item), 64))
            + "\n-----END CERTIFICATE-----\n"
        )
        chain.append(entry)
    if chain:
        facts["sha256_fingerprint"] = chain[0]["sha256_fingerprint"]
        facts.setdefault("subject", chain[0].get("subject"))
        facts["chain"] = chain
    return facts
