"""A local site with accounts, for persona tests: a login form, a session cookie and a CSRF token.

/login (GET: the form, with a visible password field; POST user+password: sets ``sid`` (HttpOnly) and
``csrftoken``, 302 to /home), /home (members only: embeds the CSRF token in a meta tag, and its script
calls /api/me with an ``X-CSRF-Token`` header), /api/me (JSON that echoes the session id), /embed (HTML
whose scripts hold the session id and the token), /visible (shows the token as text), /new-cookie (sets
one more cookie), /logout (drops the session: expires ``sid`` and forgets it, 302 to /login). A page
asked for without a live session answers 302 to /login. Every body sent is kept in ``served`` (path →
last body) for the tests to compare.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

USER, PASSWORD = "agent.smith", "correct horse battery staple"
PASSPHRASE = "a long passphrase nobody guesses"  # of the encrypted test personas


def cookies_txt(path: Path, sid: str, csrf: str) -> Path:
    """A Netscape cookies.txt as browser extensions write it: the session cookie HttpOnly."""
    path.write_text(
        "# Netscape HTTP Cookie File\n"
        f"#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\t{sid}\n"
        f"127.0.0.1\tFALSE\t/\tFALSE\t0\tcsrftoken\t{csrf}\n"
    )
    return path


def _page(title: str, body: str, head: str = "") -> bytes:
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title>{head}</head><body>{body}</body></html>"
    ).encode()


LOGIN_FORM = _page(
    "Log in",
    """<h1>Log in</h1><form method=post action=/login>
<input name=user value=""><input type=password name=password><button type=submit>Log in</button></form>""",
)


@dataclass
class AccountSite:
    base: str
    sessions: dict[str, str] = field(default_factory=dict)  # sid -> csrf token
    served: dict[str, bytes] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)  # every secret value the site ever handed out
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base + path

    def new_session(self) -> tuple[str, str]:
        sid, csrf = secrets.token_hex(16), secrets.token_urlsafe(18)
        with self.lock:
            self.sessions[sid] = csrf
            self.issued += [sid, csrf]
        return sid, csrf

    def issue(self, value: str) -> str:
        with self.lock:
            self.issued.append(value)
        return value


def _handler(site: AccountSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _cookies(self) -> dict[str, str]:
            jar = SimpleCookie()
            jar.load(self.headers.get("Cookie", ""))
            return {k: v.value for k, v in jar.items()}

        def _session(self) -> tuple[str, str] | None:
            sid = self._cookies().get("sid")
            with site.lock:
                csrf = site.sessions.get(sid or "")
            return (sid, csrf) if sid and csrf else None

        def _send(
            self,
            status: int,
            body: bytes,
            kind: str = "text/html; charset=utf-8",
            headers: tuple[tuple[str, str], ...] = (),
        ) -> None:
            path = urlsplit(self.path).path
            with site.lock:
                site.served[path] = body
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-store")
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _to_login(self, headers: tuple[tuple[str, str], ...] = ()) -> None:
            self.send_response(302)
            self.send_header("Location", "/login")
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            if urlsplit(self.path).path != "/login" or form.get("user") != [USER] or form.get("password") != [PASSWORD]:
                self._send(403, _page("No", "<p>wrong user or password</p>" + LOGIN_FORM.decode()))
                return
            sid, csrf = site.new_session()
            self.send_response(302)
            self.send_header("Set-Cookie", f"sid={sid}; Path=/; HttpOnly; SameSite=Lax")
            self.send_header("Set-Cookie", f"csrftoken={csrf}; Path=/; SameSite=Lax")
            self.send_header("Location", "/home")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if path == "/login":
                self._send(200, LOGIN_FORM)
                return
            if path == "/public":
                self._send(
                    200,
                    _page("Public", "<p>PUBLIC-PAGE-MARKER</p>"),
                    headers=(("Set-Cookie", f"visitor={site.issue(secrets.token_hex(12))}; Path=/"),),
                )
                return
            session = self._session()
            if session is None:
                self._to_login()
                return
            sid, csrf = session
            if path == "/home":
                body = _page(
                    "Members",
                    "<h1>Members only</h1><p>MEMBERS-ONLY-MARKER for agent.smith</p><p id=me>…</p>"
                    "<script>fetch('/api/me', {headers: {'X-CSRF-Token': "
                    "document.querySelector('meta[name=csrf-token]').content}}).then(r => r.json())"
                    ".then(j => { document.getElementById('me').textContent = 'user: ' + j.user; });</script>",
                    head=f'<meta name="csrf-token" content="{csrf}">',
                )
                self._send(200, body)
            elif path == "/api/me":
                if self.headers.get("X-CSRF-Token") != csrf:
                    self._send(403, b'{"error": "csrf"}', "application/json")
                    return
                self._send(200, json.dumps({"user": USER, "session": sid}).encode(), "application/json")
            elif path == "/embed":
                body = _page(
                    "Embedded",
                    f'<h1>Embedded</h1><p>EMBED-PAGE-MARKER</p><script>window.__SESSION__ = "{sid}";'
                    f" window.__CSRF__ = '{csrf}';</script>"
                    "<form method=post action=/post>"
                    f'<input type=hidden name=csrfmiddlewaretoken value="{csrf}"></form>',
                )
                self._send(200, body)
            elif path == "/visible":
                self._send(200, _page("Token", f"<p>VISIBLE-PAGE-MARKER your API token is {csrf}</p>"))
            elif path == "/new-cookie":
                fresh = site.issue(secrets.token_urlsafe(15))
                self._send(
                    200, _page("Fresh", "<p>NEW-COOKIE-MARKER</p>"), headers=(("Set-Cookie", f"fresh={fresh}; Path=/"),)
                )
            elif path == "/logout":
                with site.lock:
                    site.sessions.pop(sid, None)
                self._to_login(headers=(("Set-Cookie", "sid=; Path=/; Max-Age=0"),))
            else:
                self._send(404, _page("Not found", "<p>no such page</p>"))

    return Handler


@contextmanager
def serve() -> Iterator[AccountSite]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site := AccountSite("")))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="account-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
