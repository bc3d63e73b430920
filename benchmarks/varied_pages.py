"""Six varied local pages for the capture benchmark, served on 127.0.0.1 only.

A long text page, an image gallery, lazy-loaded images that appear while scrolling, a page that adds
content with scripts after load, a page with an iframe and a web font, and a wide table: what makes a
capture slow in the field (height, many requests, late content), without leaving the machine.
"""

from __future__ import annotations

import base64
import functools
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _png(width: int, height: int, shade: int) -> bytes:
    """A small valid PNG of one colour per row band (no image library needed)."""
    rows = b"".join(b"\x00" + bytes((shade, (y * 7) % 256, 255 - shade)) * width for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _page(title: str, body: str) -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>"


def write_site(root: Path) -> list[str]:
    """Write the six pages (and their images) under ``root``; their paths."""
    (root / "img").mkdir(parents=True, exist_ok=True)
    for number in range(24):
        (root / "img" / f"{number}.png").write_bytes(_png(320, 240, number * 10))
    text = " ".join(["Witness statement paragraph with ordinary words in it."] * 40)
    pages = {
        "long.html": _page("long text", "".join(f"<h2>Section {n}</h2><p>{text}</p>" for n in range(60))),
        "gallery.html": _page(
            "gallery", "".join(f"<figure><img src='img/{n}.png' width=320 height=240></figure>" for n in range(24))
        ),
        "lazy.html": _page(
            "lazy images",
            "".join(f"<p>{text}</p><img loading='lazy' src='img/{n}.png' width=320 height=240>" for n in range(24)),
        ),
        "script.html": _page(
            "late content",
            "<div id='feed'></div><script>let n = 0; const add = () => { for (let i = 0; i < 20; i++) {"
            " const p = document.createElement('p'); p.textContent = 'post ' + (n++) + ' ' + '"
            + text[:200]
            + "'; feed.appendChild(p); } if (n < 200) setTimeout(add, 30); }; add();</script>",
        ),
        "frame.html": _page(
            "frame and font",
            "<style>@font-face{font-family:x;src:url(data:font/woff2;base64,"
            + base64.b64encode(b"not a font").decode()
            + ")} body{font-family:x,serif}</style><p>"
            + text
            + "</p><iframe src='long.html' width=800 height=600></iframe>",
        ),
        "table.html": _page(
            "wide table",
            "<table border=1>"
            + "".join("<tr>" + "".join(f"<td>r{r}c{c}</td>" for c in range(30)) + "</tr>" for r in range(300))
            + "</table>",
        ),
    }
    for name, html in pages.items():
        (root / name).write_text(html, "utf-8")
    return list(pages)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serving(root: Path) -> Iterator[list[str]]:
    """Serve the six pages on 127.0.0.1; yields their URLs."""
    names = write_site(root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield [f"http://127.0.0.1:{server.server_address[1]}/{name}" for name in names]
    finally:
        server.shutdown()
        server.server_close()
