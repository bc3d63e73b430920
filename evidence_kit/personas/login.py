"""Logging a persona in by hand: a visible Chromium at the login page, the session kept when it closes.

Only where there is a display (``DISPLAY`` or ``WAYLAND_DISPLAY``); without one the caller is told in one
line to log in in an ordinary browser and import the cookies instead. The investigator logs in and closes
the window; the session is read from the browser before it ends. Nothing is written on disk but the
persona's own files (the browser context keeps its profile in memory).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..capture import browser as browser_module
from ..errors import InvalidInput, OperationFailed
from .fingerprint import Fingerprint

if TYPE_CHECKING:
    from playwright.async_api import Page

NO_DISPLAY = (
    "no display to open a browser on (DISPLAY is not set): log in with your own browser, export its cookies "
    "(cookies.txt) or a Playwright storage state, and give them with --cookies FILE or --storage-state FILE"
)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def _login(
    url: str,
    fingerprint: Fingerprint,
    executable: str,
    drive: Callable[[Page], Awaitable[None]] | None,
    timeout: float,
) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable,
            args=[a for a in browser_module.LAUNCH_ARGS if a != "--hide-scrollbars"],
            headless=False,
            timeout=60_000,
        )
        try:
            context = await browser.new_context(
                viewport={"width": fingerprint.viewport_width, "height": fingerprint.viewport_height},
                locale=fingerprint.locale,
                timezone_id=fingerprint.timezone,
                user_agent=fingerprint.user_agent,
            )
            page = await context.new_page()
            await page.goto(url)
            closed = asyncio.Event()
            state: dict[str, Any] = {}

            async def keep() -> None:  # read while the window is still there: a closed page has no context left
                state.update(await context.storage_state())

            page.on("close", lambda _: closed.set())
            if drive is not None:
                await drive(page)
                await keep()
                await page.close()
            else:
                while not closed.is_set():  # the investigator logs in; the latest session is kept
                    try:
                        await keep()
                    except Exception:  # noqa: BLE001  the window went while being read
                        break
                    try:
                        await asyncio.wait_for(closed.wait(), 1.0)
                    except TimeoutError:
                        timeout -= 1.0
                        if timeout <= 0:
                            raise OperationFailed("nobody closed the login window in time; nothing was kept") from None
            return state
        finally:
            await browser.close()


def login(
    url: str,
    fingerprint: Fingerprint,
    chromium: str | None = None,
    drive: Callable[[Page], Awaitable[None]] | None = None,
    timeout: float = 900.0,
) -> dict[str, Any]:
    """Open ``url`` in a visible Chromium with the persona's fingerprint; the storage state once it closes.

    ``drive`` logs in by script instead of by hand (then the window closes itself).
    """
    if not has_display():
        raise InvalidInput(NO_DISPLAY)
    executable = browser_module.find_chromium(chromium)
    return asyncio.run(_login(url, fingerprint, executable, drive, timeout))
