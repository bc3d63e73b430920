"""A hostile local site for the redaction review: one logged-in page whose traffic carries the session
value in every disguise a site might use (JSON-escaped, percent-encoded, HTML entities, base64, a
custom response header, a redirect Location, a POST body, the page title).

The session id holds ``/``, ``+`` and ``=`` (as base64 tokens do), so its escaped forms differ from it.
"""

from __future__ import annotations

import base64
import html
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus, urlsplit

SID = "Zq8/Ux3+Kd7=Wm2/Pn5+Rt"  # base64-like: '/' '+' '='
CSRF = "c5f1e0a9b7d3c2e4f6a8b0c1d2e3f4a5"


def forms(value: str) -> dict[str, str]:
    """The disguises the site uses for ``value``."""
    return {
        "plain": value,
        "json-slash": value.replace("/", "\\/"),
        "json-unicode": "".join(f"\\u{ord(c):04x}" if c in "/+=" else c for c in value),
        "percent": quote(value, safe=""),
        "percent-lower": quote(value, safe="").replace("%2F", "%2f").replace("%2B", "%2b").replace("%3D", "%3d"),
        "plus": quote_plus(value),
        "entity": "".join(f"&#x{ord(c):X};" if c in "/+=" else c for c in value),
        "base64": base64.b64encode(value.encode()).decode(),
    }


@dataclass
class Site:
    base: str = ""


def _handler() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8", headers=()) -> None:  # type: ignore[no-untyped-def]
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-store")
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _logged_in(self) -> bool:
            jar = SimpleCookie()
            jar.load(self.headers.get("Cookie", ""))
            return "sid" in jar

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self._send(200, b'{"ok": true}', "application/json")

        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if not self._logged_in():
                self._send(403, b"<p>log in</p>")
                return
            f = forms(SID)
            if path == "/home":
                disguises = "".join(
                    f"<p data-form={k}>{html.escape(v) if k != 'entity' else v}</p>"
                    for k, v in f.items()
                    if k != "plain"
                )
                body = (
                    "<!doctype html><html><head><meta charset=utf-8>"
                    f"<title>Лента — Feed of {SID}</title></head><body><h1>HOSTILE-HOME</h1>{disguises}"
                    "<script>"
                    "fetch('/api/json');"
                    "fetch('/redirect');"
                    f"fetch('/api/echo?sid={f['percent']}');"
                    "fetch('/submit', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},"
                    f" body: 'csrf_token={CSRF}&session={f['percent']}'}});"
                    "fetch('/submit-json', {method: 'POST', headers: {'Content-Type': 'application/json'},"
                    f" body: JSON.stringify({{session: {json.dumps(SID)}}})}});"
                    "</script></body></html>"
                )
                self._send(200, body.encode(), headers=(("X-Session", SID), ("X-Auth-Echo", f["percent"])))
            elif path == "/api/json":
                body = "{" + ", ".join(f'"{k}": "{v}"' for k, v in f.items()) + "}"
                self._send(200, body.encode(), "application/json")
            elif path == "/redirect":
                self.send_response(302)
                self.send_header("Location", f"/landing?next={f['percent']}&raw={f['plus']}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(200, b"{}", "application/json")

    return Handler


@contextmanager
def serve() -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler())
    site = Site(f"http://127.0.0.1:{server.server_address[1]}")
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
