"""Serve the sample site on 127.0.0.1 (port 0 by default) in a background thread.

``python -m evidence_kit.sample_site.serve`` serves it until interrupted and prints its address.
"""

from __future__ import annotations

import argparse
import functools
import os
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# The pages a demo captures, in order.
PAGES = ("/index.html", "/ad/17.html", "/ad/18.html", "/ad/19.html", "/profile/anna.k.html")


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "no listing")
        return None

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@dataclass
class SampleSite:
    base_url: str
    server: ThreadingHTTPServer
    thread: threading.Thread

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def pages(self) -> list[str]:
        return [self.url(p) for p in PAGES]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> SampleSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(port: int = 0) -> SampleSite:
    """Start serving on 127.0.0.1 (never on another interface); returns the site with its base URL."""
    handler = functools.partial(_Handler, directory=str(ROOT))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="sample-site", daemon=True)
    thread.start()
    return SampleSite(f"http://127.0.0.1:{server.server_address[1]}", server, thread)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the evidence-kit sample site on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    args = parser.parse_args()
    site = start(args.port)
    print(site.base_url, flush=True)
    for page in site.pages:
        print(page, flush=True)
    try:
        site.thread.join()
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":
    main()
