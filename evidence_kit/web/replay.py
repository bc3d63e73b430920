"""Offline replay of a capture with ReplayWeb.page, served from a second loopback origin.

An archived page runs its own JavaScript when replayed. It must never run in the UI's origin (where it
could call the UI's endpoints with the investigator's session, as ArchiveBox's advisory showed), so the
replay lives on another port, 127.0.0.1:REPLAY_PORT, framed by the UI in a sandboxed iframe:

- the UI refuses every request whose ``Sec-Fetch-Site`` is not same-origin (:mod:`.security`), so
  script on the replay origin cannot reach the UI even though both share the host 127.0.0.1;
- the session cookie is ``HttpOnly``: no script on either origin can read it;
- the replay origin knows nothing of the UI: it serves ReplayWeb.page's files and the WACZ of a capture
  only under a ticket, an unguessable name the UI made when it showed the capture page;
- it may be framed only by the UI (``frame-ancestors``), and checks its own ``Host`` header.

The WACZ is the one the export writes (:func:`evidence_kit.export.wacz.build`), built from the stored
WARC into a temporary folder of this UI run: nothing is written into the case.
"""

from __future__ import annotations

import html
import secrets
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..case import Case
from ..config import Settings
from ..errors import OperationFailed
from . import assets
from .security import ASGIApp, Receive, Scope, Send, header, refuse, replay_headers, with_headers


@dataclass(frozen=True)
class Ticket:
    wacz: Path
    url: str
    title: str


class Replays:
    """The WACZ files built in this run and the tickets that name them."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="evidence-kit-replay-"))
        self._tickets: dict[str, Ticket] = {}
        self._built: dict[tuple[str, str], Path] = {}
        self._lock = threading.Lock()

    def wacz_for(self, settings: Settings, case_id: str, capture_id: str) -> tuple[Path, str]:
        """The capture's WACZ (built once per run) and the page URL to open in it."""
        from ..export import contents as export_contents
        from ..export import wacz

        with Case.open(settings, case_id) as case:
            found = export_contents.gather(case, [capture_id])
            exhibit = next(e for e in found.exhibits if e.capture_id == capture_id)
            record = exhibit.record or {}
            url = str(record.get("final_url") or record.get("url"))
            with self._lock:
                path = self._built.get((case_id, capture_id))
                if path is None or not path.is_file():
                    path = self.folder / f"{secrets.token_hex(8)}.wacz"
                    wacz.build(found, exhibit, path, None)  # replay only, never handed over: unsigned
                    self._built[(case_id, capture_id)] = path
        return path, url

    def ticket(self, settings: Settings, case_id: str, capture_id: str, title: str) -> str:
        path, url = self.wacz_for(settings, case_id, capture_id)
        name = secrets.token_urlsafe(24)
        with self._lock:
            self._tickets[name] = Ticket(path, url, title)
        return name

    def get(self, name: str) -> Ticket | None:
        with self._lock:
            return self._tickets.get(name)


INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Replay</title><script src="/replay/ui.js"></script></head>
<body><replay-app-main></replay-app-main></body></html>
"""

EMBED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Replay of {title}</title>
<script src="/replay/ui.js"></script>
<style>html, body {{ margin: 0; height: 100%; }} replay-web-page {{ display: block; height: 100vh; }}</style>
</head><body>
<replay-web-page source="/wacz/{ticket}/capture.wacz" url="{url}" replayBase="/replay/" embed="replayonly"
  title="Replay of {title}"></replay-web-page>
</body></html>
"""


def build(replays: Replays, ui_origin: str, host: str) -> ASGIApp:
    """The replay origin's application: ReplayWeb.page's two files, embed pages and WACZ files by ticket."""

    def library_file(request: Request) -> Response:
        path = assets.path_of(request.path_params["name"])
        if path is None:
            return PlainTextResponse(f"ReplayWeb.page is not installed: {assets.SETUP_HINT}", status_code=404)
        response = FileResponse(path, media_type="text/javascript")
        if request.path_params["name"] == "sw.js":
            response.headers["service-worker-allowed"] = "/"
        return response

    def index(request: Request) -> Response:
        # The page ReplayWeb.page opens inside its frame (``replayBase``): its application, nothing else.
        return HTMLResponse(INDEX)

    def embed(request: Request) -> Response:
        ticket = replays.get(request.path_params["ticket"])
        if ticket is None:
            return PlainTextResponse("no such replay", status_code=404)
        return HTMLResponse(
            EMBED.format(
                ticket=html.escape(request.path_params["ticket"]),
                url=html.escape(ticket.url, quote=True),
                title=html.escape(ticket.title, quote=True),
            )
        )

    def wacz_file(request: Request) -> Response:
        ticket = replays.get(request.path_params["ticket"])
        if ticket is None:
            return PlainTextResponse("no such replay", status_code=404)
        return FileResponse(ticket.wacz, media_type="application/wacz+zip")

    app = Starlette(
        routes=[
            Route("/replay/", index),
            Route("/replay/index.html", index),
            Route("/replay/{name:str}", library_file),
            Route("/embed/{ticket:str}", embed),
            Route("/wacz/{ticket:str}/capture.wacz", wacz_file),
        ]
    )
    return ReplayGuard(app, host, replay_headers(ui_origin))


class ReplayGuard:
    """The replay origin answers only under its own Host, and every answer says who may frame it."""

    def __init__(self, app: ASGIApp, host: str, extra: list[tuple[bytes, bytes]]):
        self.app, self.host, self.extra = app, host, extra

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and header(scope, b"host") != self.host:
            await refuse(send, 403, "refused: this server answers only to its own address", self.extra)
            return
        if scope["type"] not in ("http", "lifespan"):
            return
        await self.app(scope, receive, with_headers(send, self.extra))


def replay_problem(exc: Exception) -> str:
    """Why a capture cannot be replayed, in a sentence for the capture page."""
    if isinstance(exc, OperationFailed):
        return f"this capture cannot be replayed: {exc}"
    return f"the replay could not be prepared: {exc!r}"


__all__: list[Any] = ["Replays", "build", "replay_problem"]
