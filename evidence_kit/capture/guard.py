"""Which addresses a capture may reach: each host resolved once, the address checked is the address used.

A page must not make the investigator's browser reach into the investigator's own network (routers,
intranet, the cloud metadata service at 169.254.169.254). The rules:

- A host whose addresses are all public may be reached. A host with any loopback, private, link-local,
  unique-local, multicast or reserved address, or named ``localhost``, is blocked.
- ``--allow-private`` lets through exactly the hosts (and ports) of the URLs given on the command line,
  nothing else: a redirect or a sub-request to another private host, or another port, stays blocked.
- A host that does not resolve is never taken for public: it is blocked with that reason.
- Against DNS rebinding each host is resolved once per command. The command-line hosts are pinned for the
  browser (``--host-resolver-rules``); hosts met during the capture are checked as the browser asks for
  them (``Fetch.requestPaused``), and every response's remote address as the browser reports it
  (``Network.responseReceived``) is checked again: a response from a blocked address is a finding, and
  its body is not kept.

Every block is recorded (URL, host, address, reason, stage) in the capture record.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import network

if TYPE_CHECKING:
    from playwright.async_api import CDPSession, Page, WebSocketRoute

    from .outcome import PageCapture
    from .recorder import Exchange, Hop

Resolver = Callable[[str], list[str]]

# Private, loopback, link-local, multicast and reserved IP literals, refused by the browser's own resolver
# (Chromium applies --host-resolver-rules to literals too). A second fence behind the request checks, and
# the only one for what ``Fetch`` does not pause: WebSocket handshakes, preconnects.
# Four dotted parts, so that a host *name* beginning "10." is not caught.
_FENCE = (
    "0.*.*.*", "10.*.*.*", "127.*.*.*", "169.254.*.*", "192.168.*.*", *(f"172.{n}.*.*" for n in range(16, 32)),
    *(f"{n}.*.*.*" for n in range(224, 256)), "::", "::1", "::ffff:*", "fc*:*", "fd*:*", "fe8*:*", "fe9*:*",
    "fea*:*", "feb*:*", "ff*:*", "[::]", "[::1]", "[::ffff:*", "[fc*", "[fd*", "[fe8*", "[fe9*", "[fea*",
    "[feb*", "[ff*",
)  # fmt: skip
LOOKUP_BOUND = 5.0  # seconds a request may wait for its host's DNS answer before it is blocked


@dataclass(frozen=True)
class Verdict:
    """What was decided about one host, once, for the whole command."""

    host: str
    addresses: tuple[str, ...]
    allowed: bool
    reason: str | None = None  # why blocked, a phrase for the record
    address: str | None = None  # the address pinned (allowed) or the one that made it blocked

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "addresses": list(self.addresses)}


def host_and_port(url: str) -> tuple[str, int | None]:
    """The host (lower case, without brackets or a trailing dot) and the port a URL reaches."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        return host, None
    if port is None:
        port = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme.lower())
    return host, port


def _blocked_reason(host: str, addresses: tuple[str, ...]) -> tuple[str, str | None] | None:
    if network.is_local_name(host):
        address = addresses[0] if addresses else "127.0.0.1"
        return f"private address {address} (loopback: {host})", address
    for address in addresses:
        kind = network.address_kind(address)
        if kind is not None:
            return f"private address {address} ({kind})", address
    return None


class AddressGuard:
    """The address rules of one command: allowed command-line hosts, verdicts and pins, shared by captures."""

    def __init__(self, allowed: Iterable[tuple[str, int | None]] = (), resolver: Resolver | None = None):
        self.allowed = frozenset((host.lower().rstrip(".").strip("[]"), port) for host, port in allowed)
        self.allowed_hosts = frozenset(host for host, _ in self.allowed)
        self._resolve = resolver or network.resolve
        self._verdicts: dict[str, Verdict] = {}
        self._lookups: dict[str, asyncio.Future[Verdict]] = {}

    def check(self, host: str) -> Verdict:
        """The verdict on ``host``, resolving it the first time only (blocking: for the command line)."""
        host = host.lower().rstrip(".").strip("[]")
        if host not in self._verdicts:
            self._verdicts[host] = self._decide(host, tuple(self._resolve(host)))
        return self._verdicts[host]

    def _decide(self, host: str, addresses: tuple[str, ...]) -> Verdict:
        if not addresses:
            return Verdict(host, addresses, False, "the host does not resolve")
        if host in self.allowed_hosts:
            return Verdict(host, addresses, True, address=addresses[0])
        blocked = _blocked_reason(host, addresses)
        if blocked is not None:
            return Verdict(host, addresses, False, blocked[0], blocked[1])
        return Verdict(host, addresses, True, address=addresses[0])

    async def check_async(self, host: str, bound: float = LOOKUP_BOUND) -> Verdict:
        """The verdict on ``host`` from inside the event loop: one lookup per host, however many ask."""
        host = host.lower().rstrip(".").strip("[]")
        if host in self._verdicts:
            return self._verdicts[host]
        lookup = self._lookups.get(host)
        if lookup is None:
            lookup = asyncio.ensure_future(asyncio.to_thread(self.check, host))
            self._lookups[host] = lookup
        try:
            return await asyncio.wait_for(asyncio.shield(lookup), bound)
        except TimeoutError:
            return Verdict(host, (), False, f"the host's DNS answer did not come within {bound:g} s")

    def request(self, url: str, verdict: Verdict) -> str | None:
        """Why a request to ``url`` (whose host has ``verdict``) is blocked, or None to let it through."""
        if not verdict.allowed:
            return verdict.reason
        host, port = host_and_port(url)
        if host in self.allowed_hosts and (host, port) not in self.allowed and _blocked_reason(host, verdict.addresses):
            return f"port {port} of {host} was not given on the command line"
        return None

    def response(self, url: str, address: str) -> str | None:
        """Why a response from ``address`` for ``url`` must not be kept as if it were fine, or None."""
        host, _ = host_and_port(url)
        address = address.strip("[]")
        verdict = self._verdicts.get(host)
        if verdict is not None and host in self.allowed_hosts and address in verdict.addresses:
            return None  # the command-line host, answered from the address it was pinned to
        kind = network.address_kind(address)
        if kind is None:
            return None
        resolved = f"; {host} had resolved to {', '.join(verdict.addresses)}" if verdict and verdict.addresses else ""
        return f"answered from private address {address} ({kind}){resolved}"

    def to_json(self) -> dict[str, Any]:
        """The rules as a record states them: the private hosts allowed, and the hosts pinned so far."""
        allowed = sorted(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in self.allowed)
        pinned = {v.host: v.address for v in self._verdicts.values() if v.allowed and v.address and v.host != v.address}
        return {"allowed_private": allowed, "checked": dict(sorted(pinned.items()))}

    def resolver_rules(self) -> str:
        """Chromium's ``--host-resolver-rules``: every allowed host name checked so far pinned to its
        address, then private IP literals refused, except the command-line hosts that are such literals."""
        rules = []
        for verdict in self._verdicts.values():
            if not verdict.allowed or verdict.address is None or verdict.host == verdict.address:
                continue
            if network.is_local_name(verdict.host):
                continue  # Chromium answers localhost itself, and refuses to remap it
            address = f"[{verdict.address}]" if ":" in verdict.address else verdict.address
            rules.append(f"MAP {verdict.host} {address}")
        rules += [f"MAP {pattern} ~NOTFOUND" for pattern in _FENCE]
        for host in sorted(self.allowed_hosts):
            if network.address_kind(host) != "not an IP address":  # an IP literal given on the command line
                rules += [f"EXCLUDE {host}", f"EXCLUDE [{host}]"] if ":" in host else [f"EXCLUDE {host}"]
        return ", ".join(rules)


MAX_LISTED = 1000  # blocks listed one by one in a record; beyond, only counted (a page can ask for ever)


def _note(result: PageCapture, entry: dict[str, str]) -> None:
    if len(result.blocked) < MAX_LISTED:
        result.blocked.append(entry)
    else:
        result.blocked_unlisted += 1


def _entry(url: str, verdict_host: str, address: str | None, reason: str, stage: str) -> dict[str, str]:
    return {"url": url, "host": verdict_host, "address": address or "", "reason": reason, "stage": stage}


async def intercept(cdp: CDPSession, guard: AddressGuard, result: PageCapture) -> bool:
    """Pause every request before it leaves the browser; fail those the guard blocks, and record them."""

    async def decide(event: dict[str, Any]) -> None:
        request_id = event["requestId"]
        url = event["request"]["url"]
        try:
            if url.startswith(("http:", "https:", "ws:", "wss:")):
                host, _ = host_and_port(url)
                verdict = await guard.check_async(host)
                reason = guard.request(url, verdict)
                if reason is not None:
                    stage = "redirect" if event.get("redirectedRequestId") else "request"
                    entry = _entry(url, host, verdict.address, reason, stage)
                    entry["type"] = str(event.get("resourceType", ""))
                    _note(result, entry)
                    if event.get("resourceType") == "Document" and event.get("frameId") == result.main_frame_id:
                        result.main_blocked = result.main_blocked or entry
                    await cdp.send("Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"})
                    return
            await cdp.send("Fetch.continueRequest", {"requestId": request_id})
        except Exception:  # noqa: BLE001  the page may be gone; an unanswered pause ends with the context
            pass

    cdp.on("Fetch.requestPaused", lambda event: asyncio.ensure_future(decide(event)))
    await cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]})
    return True


async def guard_websockets(page: Page, guard: AddressGuard, result: PageCapture) -> bool:
    """WebSockets opened by the page or its frames: checked like requests (``Fetch`` does not pause them).

    Playwright routes them through the page's own WebSocket object; one opened by a worker is not seen
    here, and only the resolver fence (private IP literals refused) stands in its way.
    """

    async def decide(socket: WebSocketRoute) -> None:
        url = socket.url
        host, _ = host_and_port(url)
        verdict = await guard.check_async(host)
        reason = guard.request(url, verdict)
        if reason is None:
            socket.connect_to_server()
            return
        entry = _entry(url, host, verdict.address, reason, "request")
        entry["type"] = "WebSocket"
        _note(result, entry)
        await socket.close(code=1008, reason="blocked by the capture's address rules")

    await page.route_web_socket(re.compile(".*"), decide)
    return True


def check_hop(guard: AddressGuard, result: PageCapture, exchange: Exchange, hop: Hop) -> str | None:
    """Check one answered hop's remote address; record and mark it when it came from a blocked address."""
    if not hop.remote_ip or hop.blocked:
        return hop.blocked
    reason = guard.response(hop.url, hop.remote_ip)
    if reason is None:
        return None
    hop.blocked = reason
    host, _ = host_and_port(hop.url)
    entry = _entry(hop.url, host, hop.remote_ip.strip("[]"), reason, "response")
    entry["type"] = exchange.resource_type
    _note(result, entry)
    if exchange.hops and hop is exchange.hops[-1]:
        exchange.withheld = reason
        exchange.body, exchange.body_note = None, None
    return reason


def check_responses(guard: AddressGuard, result: PageCapture, exchanges: Iterable[Exchange]) -> int:
    """Check every answered hop's remote address; how many came from blocked addresses."""
    found = 0
    for exchange in exchanges:
        for hop in exchange.hops:
            if hop.status is not None and check_hop(guard, result, exchange, hop):
                found += 1
    return found
