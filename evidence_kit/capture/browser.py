"""Find Chromium and launch it once per command.

The browser is found in this order: ``$EVIDENCE_KIT_CHROMIUM`` (or the ``chromium`` setting), then
Playwright's own download, then Debian's ``/usr/bin/chromium``. It is launched once and every capture
gets a fresh context in it (no cookies or cache shared between captures).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BrowserNotFound

if TYPE_CHECKING:
    from playwright.async_api import Browser

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")

# Why each flag: no sandbox (containers lack user namespaces), no GPU (headless servers), no QUIC (every
# exchange must be HTTP/1.1 or HTTP/2 over TCP so the WARC holds it), and no background traffic of the
# browser's own (first run, component updates, sync, safe-browsing pings) in the evidence.
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    # One renderer for all frames: cross-site iframes then report their traffic to the page's own CDP
    # session, so the WARC holds them too (a capture browser visits one page and is thrown away).
    "--disable-site-isolation-trials",
    "--disable-features=Translate,MediaRouter,OptimizationHints,IsolateOrigins,site-per-process",
    "--hide-scrollbars",
    "--mute-audio",
    # No WebRTC over UDP: its peers are raw addresses that no address check sees and no WARC holds.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)

INSTALL_HINT = "install it with 'sudo apt-get install chromium' or set EVIDENCE_KIT_CHROMIUM to its path"


@dataclass(frozen=True)
class BrowserInfo:
    executable: str
    name: str  # "Chromium"
    version: str  # "156.0.8078.108"
    user_agent: str


def _playwright_chromium() -> str | None:
    """Playwright's own Chromium, if ``playwright install chromium`` was run (found without launching)."""
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    if not root.is_dir():
        return None
    for candidate in sorted(root.glob("chromium-*/chrome-linux*/chrome"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def find_chromium(configured: str | None = None) -> str:
    """The Chromium executable to use, or :class:`BrowserNotFound` naming how to install one."""
    chosen = configured or os.environ.get("EVIDENCE_KIT_CHROMIUM")
    if chosen:
        resolved = shutil.which(chosen) or chosen
        if not (os.path.isfile(resolved) and os.access(resolved, os.X_OK)):
            raise BrowserNotFound(f"the configured browser {chosen!r} is not an executable file; {INSTALL_HINT}")
        return resolved
    own = _playwright_chromium()
    if own:
        return own
    if DEBIAN_CHROMIUM.is_file() and os.access(DEBIAN_CHROMIUM, os.X_OK):
        return str(DEBIAN_CHROMIUM)
    raise BrowserNotFound(f"no Chromium found; {INSTALL_HINT}")


async def relaunch(dead: Browser, executable: str, extra_args: tuple[str, ...] = ()) -> Browser:
    """A new browser in the same Playwright driver as ``dead``, one whose process has gone.

    Why: a renderer that crashes while the browser waits on it (a screenshot in flight) can take the
    browser process down with it (Chromium exits on SIGSEGV); the captures after it need a browser.
    The caller closes the new browser.
    """
    from playwright.async_api import Error as PlaywrightError

    try:
        return await dead.browser_type.launch(
            executable_path=executable, args=[*LAUNCH_ARGS, *extra_args], headless=True, timeout=60_000
        )
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrowserNotFound(f"Chromium at {executable} did not start again: {first}") from None


@asynccontextmanager
async def launched(executable: str, extra_args: tuple[str, ...] = ()) -> AsyncIterator[tuple[Browser, BrowserInfo]]:
    """Launch Chromium headless; yields (playwright Browser, BrowserInfo). Closed on exit, always."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        try:
            browser = await playwright.chromium.launch(
                executable_path=executable, args=[*LAUNCH_ARGS, *extra_args], headless=True, timeout=60_000
            )
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BrowserNotFound(f"Chromium at {executable} did not start: {first}") from None
        try:
            session = await browser.new_browser_cdp_session()
            version = await session.send("Browser.getVersion")
            await session.detach()
            product = str(version.get("product", ""))  # "HeadlessChrome/156.0.8078.108"
            info = BrowserInfo(
                executable=executable,
                name="Chromium",
                version=product.split("/", 1)[-1] or browser.version,
                # A site may refuse a browser that calls itself headless; the UA actually sent is recorded.
                user_agent=str(version.get("userAgent", "")).replace("HeadlessChrome", "Chrome"),
            )
            yield browser, info
        finally:
            try:
                await browser.close()
            except Exception:  # noqa: BLE001  the browser may already be gone (crash); nothing to keep
                pass
