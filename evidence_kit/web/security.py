"""Who may talk to the UI: the access token, the session it gives, CSRF, the Host and fetch-site checks.

The UI listens on 127.0.0.1 only, but every other user and every web page the desktop browser has open can
reach a loopback port. So, on every request, before any route runs:

1. the ``Host`` header must be exactly this server's ``127.0.0.1:PORT`` (a DNS-rebinding page reaches
   the port under its own host name, and is refused);
2. a request another site or the replay origin started (``Sec-Fetch-Site`` other than ``same-origin`` or
   ``none``) is refused, so archived JavaScript on the replay port cannot even reach the UI's endpoints;
3. the random access token printed at start-up, given once as ``?token=``, is exchanged for a session
   cookie (``HttpOnly``, ``SameSite=Strict``) and the browser sent on without it; every other request
   needs that cookie, else 401 and nothing else;
4. a state-changing request also needs the session's CSRF token (``X-CSRF-Token`` header or ``csrf`` in
   the query string) and, when the browser names one, an ``Origin`` equal to the UI's own.

Every answer, refusals included, carries the security headers (CSP, frame-ancestors, nosniff, no referrer).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = frozenset({"GET", "HEAD"})
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def ui_headers(replay_origin: str) -> list[tuple[bytes, bytes]]:
    """The UI's own pages: scripts and styles from itself only; frames only from the replay origin."""
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"frame-src {replay_origin}; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'; frame-ancestors 'none'"
    )
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
    ]


def replay_headers(ui_origin: str) -> list[tuple[bytes, bytes]]:
    """The replay origin: archived pages run their scripts here, so it may be framed by the UI alone."""
    return [
        # 'self': ReplayWeb.page frames its own replay page inside the embed page, on this same origin.
        (b"content-security-policy", f"frame-ancestors 'self' {ui_origin}; object-src 'none'".encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]


@dataclass
class Access:
    """The access token and the sessions it gave; one per running UI, held in memory only."""

    host: str  # "127.0.0.1:PORT": the only Host header accepted
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    _sessions: dict[str, str] = field(default_factory=dict)  # session id -> CSRF token
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def origin(self) -> str:
        return f"http://{self.host}"

    @property
    def cookie_name(self) -> str:
        # Cookies do not keep ports apart: the name does, so two UIs on one machine never share a session.
        return f"evidence_kit_session_{self.host.rsplit(':', 1)[1]}"

    def address(self) -> str:
        """What to open: the UI with the access token (exchanged for a cookie on first visit)."""
        return f"{self.origin}/?token={self.token}"

    def open_session(self) -> tuple[str, str]:
        session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[session] = csrf
        return session, csrf

    def csrf_of(self, session: str | None) -> str | None:
        if not session:
            return None
        with self._lock:
            for known, csrf in self._sessions.items():
                if secrets.compare_digest(known, session):
                    return csrf
        return None


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def refuse(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]]) -> None:
    """A refusal says why in one line and nothing else (no page, no case data)."""
    body = (text + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", b"%d" % len(body)),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """Add the security headers to whatever the app answers (unless the app set the header itself)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {key.lower() for key, _ in message.get("headers", [])}
            message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
        await send(message)

    return sending


class Guard:
    """ASGI middleware in front of the UI's routes: the checks of this module, in the order listed above."""

    def __init__(self, app: ASGIApp, access: Access, replay_origin: str):
        self.app = app
        self.access = access
        self.extra = ui_headers(replay_origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return
        extra = self.extra
        if header(scope, b"host") != self.access.host:
            await refuse(send, 403, "refused: this server answers only to its own address", extra)
            return
        site = header(scope, b"sec-fetch-site")
        if site is not None and site not in ALLOWED_FETCH_SITES:
            await refuse(send, 403, "refused: requests from other sites or origins are not answered", extra)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = next((value for key, value in query if key == "token"), None)
        if given is not None:
            if not secrets.compare_digest(given.encode(), self.access.token.encode()):
                await refuse(send, 403, "refused: wrong access token", extra)
                return
            await self._start_session(scope, send, [(k, v) for k, v in query if k != "token"])
            return
        cookies = SimpleCookie()
        try:
            cookies.load(header(scope, b"cookie") or "")
        except Exception:  # noqa: BLE001  a malformed Cookie header is no session
            cookies = SimpleCookie()
        morsel = cookies.get(self.access.cookie_name)
        csrf = self.access.csrf_of(morsel.value if morsel else None)
        if csrf is None:
            await refuse(send, 401, "access needs the address with its token that 'evidence-kit ui' printed", extra)
            return
        if scope["method"] not in SAFE_METHODS:
            # With Referrer-Policy no-referrer the browser sends "Origin: null" on its own forms; the fetch
            # site (checked above) then says whether the request came from this origin.
            origin = header(scope, b"origin")
            if origin not in (None, "null", self.access.origin):
                await refuse(send, 403, "refused: the request comes from another origin", extra)
                return
            sent = header(scope, b"x-csrf-token") or next((v for k, v in query if k == "csrf"), None)
            if sent is None or not secrets.compare_digest(sent.encode(), csrf.encode()):
                await refuse(send, 403, "refused: missing or wrong CSRF token (reload the page)", extra)
                return
        scope.setdefault("state", {})["csrf"] = csrf
        await self.app(scope, receive, with_headers(send, extra))

    async def _start_session(self, scope: Scope, send: Send, rest: list[tuple[str, str]]) -> None:
        session, _ = self.access.open_session()
        location = scope.get("path", "/") + (("?" + urlencode(rest)) if rest else "")
        cookie = f"{self.access.cookie_name}={session}; HttpOnly; SameSite=Strict; Path=/"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", location.encode()),
                    (b"set-cookie", cookie.encode()),
                    (b"content-length", b"0"),
                    *self.extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
