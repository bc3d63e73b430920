"""The two loopback servers of ``evidence-kit ui``: the UI, and the replay origin on another port.

Both bind 127.0.0.1 only, on sockets opened here (so the ports are known before the first request and
the Host checks can name them). :class:`Running` starts both on one event loop in a thread of their own
(the tests use it); :func:`serve` runs them until interrupted (the CLI).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..errors import InvalidInput
from .app import Context, create_app, environment
from .jobs import Jobs
from .replay import Replays
from .replay import build as build_replay
from .security import Access, Guard

LOOPBACK = "127.0.0.1"


def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, port))
    except OSError as exc:
        sock.close()
        raise InvalidInput(
            f"port {port} on {LOOPBACK} cannot be used ({exc.strerror}): choose another --port"
        ) from None
    sock.listen(64)
    sock.setblocking(False)
    return sock


@dataclass
class Running:
    """The UI and its replay origin, listening; ``address`` is what to open (it carries the token)."""

    settings: Settings
    port: int = 0
    replay_port: int = 0
    access: Access = field(init=False)
    _servers: list[Any] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        import uvicorn

        ui_socket, replay_socket = bind(self.port), bind(self.replay_port)
        self.port, self.replay_port = ui_socket.getsockname()[1], replay_socket.getsockname()[1]
        self.access = Access(f"{LOOPBACK}:{self.port}")
        replay_origin = f"http://{LOOPBACK}:{self.replay_port}"
        context = Context(self.settings, self.access, replay_origin, Jobs(), Replays(), environment())
        ui = Guard(create_app(context), self.access, replay_origin)
        replay = build_replay(context.replays, self.access.origin, f"{LOOPBACK}:{self.replay_port}")
        self._sockets = [ui_socket, replay_socket]
        self._replays = context.replays
        for app in (ui, replay):
            config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none")
            self._servers.append(uvicorn.Server(config))

    @property
    def address(self) -> str:
        return self.access.address()

    async def serve(self) -> None:
        try:
            await self._serve_both()
        finally:
            shutil.rmtree(self._replays.folder, ignore_errors=True)  # the WACZ copies made for replay

    async def _serve_both(self) -> None:
        await asyncio.gather(
            *(server.serve(sockets=[sock]) for server, sock in zip(self._servers, self._sockets, strict=False))
        )

    def start(self) -> Running:
        """Serve on a thread of its own; returns once both servers answer."""
        self._thread = threading.Thread(target=lambda: asyncio.run(self.serve()), name="evidence-kit-ui", daemon=True)
        self._thread.start()
        for _ in range(200):
            if all(server.started for server in self._servers):
                return self
            threading.Event().wait(0.05)
        raise RuntimeError("the UI servers did not start")

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)


def desktop_browser_available() -> bool:
    """A graphical desktop to open a browser on (a server or a container has none)."""
    import os
    import sys

    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
