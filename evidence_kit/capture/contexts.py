"""Fresh browser contexts for captures, the next one prepared while a capture runs.

With a persona, each context is built from a **copy** of the persona's saved session (cookies and local
storage) and its fingerprint; at the end of the capture :meth:`ContextPool.settle` reads the context's
session and whether the page shows a login form, before the context is closed, and judges it by the rule
in ``personas/logged_in.py``: still logged in, the next context starts from that session (the session
writes it to the persona's files once the capture is stored); not, the persona's session stays as it was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .options import CaptureOptions
from .recorder import NetworkRecorder

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, CDPSession, Page

    from ..personas.store import Unlocked
    from .outcome import PageCapture


@dataclass(frozen=True)
class Prepared:
    """A fresh context with its page, a CDP session on it, and network recording already on."""

    context: BrowserContext
    page: Page
    cdp: CDPSession
    recorder: NetworkRecorder
    main_frame_id: str
    restarts: int = 0  # how often the browser had to be started again before this context was opened


class ContextPool:
    """Fresh browser contexts, one per capture, with the next one prepared while a capture runs.

    Opening a context and its first page starts a renderer process (0.3-1 s on a busy machine); doing
    it ahead of time takes that off every capture but the first. No context is ever used twice.

    When the browser process has gone (a crashing renderer can take it down), ``relaunch`` is given the
    dead browser and returns a new one, so that one failing URL never stops the others.
    """

    def __init__(
        self,
        browser: Browser,
        options: CaptureOptions,
        user_agent: str | None,
        captures: int,
        relaunch: Callable[[Browser], Awaitable[Browser]] | None = None,
        persona: Unlocked | None = None,
    ):
        self.browser = browser
        self.options = options
        self.user_agent = user_agent
        self.left = captures
        self.relaunch = relaunch
        self.persona = persona
        self.restarts = 0
        self._relaunched: list[Browser] = []  # closed here; the first browser is closed by whoever launched it
        self._lock = asyncio.Lock()
        self._spare: asyncio.Future[Prepared] | None = None

    async def _live_browser(self) -> Browser:
        async with self._lock:
            if self.relaunch is not None and not self.browser.is_connected():
                self.browser = await self.relaunch(self.browser)
                self._relaunched.append(self.browser)
                self.restarts += 1
            return self.browser

    async def _make(self) -> Prepared:
        options = self.options
        browser = await self._live_browser()
        context = await browser.new_context(
            viewport={"width": options.viewport_width, "height": options.viewport_height},
            locale=options.locale,
            timezone_id=options.timezone,
            accept_downloads=True,
            ignore_https_errors=options.ignore_https_errors,
            service_workers="block",
            user_agent=self.user_agent,
            storage_state=self.persona.state_copy() if self.persona is not None else None,  # type: ignore[arg-type]
        )
        try:
            page = await context.new_page()
            cdp = await context.new_cdp_session(page)
            recorder = NetworkRecorder(cdp, options.bounds)
            await recorder.start()  # recording starts before the page makes its first request
            tree = await cdp.send("Page.getFrameTree")
        except BaseException:
            await context.close()
            raise
        return Prepared(context, page, cdp, recorder, tree["frameTree"]["frame"]["id"], self.restarts)

    async def take(self) -> Prepared:
        spare, self._spare = self._spare, None
        self.left -= 1
        pair = None
        if spare is not None:
            try:
                pair = await spare
            except Exception:  # noqa: BLE001  the browser died while the spare was opening: open another
                pair = None
            if pair is not None and pair.page.is_closed():
                pair = None  # the spare died with its browser
        pair = pair or await self._make()
        # No spare with a persona: the next context must start from the session the last capture saved back
        # (a site that renews its session cookie would see a spare's older copy as a stale login).
        if self.left > 0 and self._spare is None and self.persona is None:
            self._spare = asyncio.ensure_future(self._make())
        return pair

    async def settle(self, prepared: Prepared, result: PageCapture) -> None:
        """With a persona: the context's session and whether the page shows a login form, read before the
        context is closed (into ``result.end_state`` and ``result.login_form``)."""
        if self.persona is None:
            return
        from ..personas.logged_in import LOGIN_FORM_JS, judge

        if not prepared.page.is_closed():
            try:
                result.login_form = bool(await prepared.page.evaluate(LOGIN_FORM_JS))
            except Exception:  # noqa: BLE001  a page gone or crashed shows nothing: the cookies decide
                result.login_form = None
        state = await prepared.context.storage_state()
        result.end_state = dict(state)
        if judge(self.persona.persona, result.end_state, result.login_form)[0]:
            # Still logged in: the next context starts from this session (saved on disk once stored).
            self.persona.state = dict(state)

    async def close(self) -> None:
        if self._spare is not None:
            try:
                spare = await asyncio.wait_for(self._spare, 15)
                await spare.context.close()
            except Exception:  # noqa: BLE001  an unused spare that failed to open needs no closing
                pass
            self._spare = None
        for browser in self._relaunched:
            try:
                await browser.close()
            except Exception:  # noqa: BLE001  it may have gone too; nothing to keep
                pass
