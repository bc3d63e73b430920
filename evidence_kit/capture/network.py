"""Network facts of a capture: target URL checks, DNS answers, private-address rules, TLS certificates.

A page on a public host must not make the investigator's browser reach into the investigator's own
network (routers, intranet, cloud metadata at 169.254.169.254): such requests are blocked and recorded.
Capturing a private or loopback URL on purpose needs ``allow_private`` (tests, the bundled demo).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
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


def is_private_address(address: str) -> bool:
    """Loopback, private (RFC 1918, RFC 4193), link-local, unspecified, or otherwise not global.

    >>> [is_private_address(a) for a in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "93.184.216.34")]
    [True, True, True, True, False]
    """
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


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


@dataclass(frozen=True)
class HostCheck:
    host: str
    addresses: tuple[str, ...]
    private: bool  # any answer is private, loopback or link-local

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "addresses": list(self.addresses)}


def check_host(host: str) -> HostCheck:
    addresses = tuple(resolve(host))
    lowered = host.lower().rstrip(".")
    private = (
        any(is_private_address(a) for a in addresses)
        or lowered == "localhost"
        or lowered.endswith(".localhost")
    )
    return HostCheck(host, addresses, private)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


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

                facts[key] = datetime.fromtimestamp(float(security[source]), UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
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
