# ruff: noqa: E501  (the page scripts below read better unwrapped)
"""What a capture does to a page before it is recorded, each step bounded and each outcome recorded.

Order matters: settle, dismiss a cookie banner (it would hide content), open ``<details>`` and "show
more" buttons, scroll down in viewport-sized steps so lazy images and feeds load (one jump to the bottom
misses them), wait for images to finish, return to the top. An endless feed stops at a height, step or
time limit, and the record says which one stopped it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Page

    from .recorder import NetworkRecorder


@dataclass(frozen=True)
class Limits:
    max_height: int = 40_000  # CSS pixels scrolled at most
    max_steps: int = 80
    scroll_seconds: float = 12.0
    step_pause_ms: int = 100
    max_clicks: int = 10
    image_wait_ms: int = 4000


def outcome(name: str, text: str, **facts: Any) -> dict[str, Any]:
    return {"name": name, "outcome": text, **facts}


async def settle(page: Page, recorder: NetworkRecorder, bound: float, quiet: float = 0.3) -> dict[str, Any]:
    """Wait until no request has started or finished for ``quiet`` seconds (or ``bound`` passes)."""
    start = time.monotonic()
    while time.monotonic() - start < bound:
        idle = time.monotonic() - recorder.last_activity
        if idle >= quiet and not recorder.inflight:
            return outcome("settle", f"network quiet after {time.monotonic() - start:.2f} s")
        # Long-polling or never-ending requests keep the count up: a longer quiet gap is enough then.
        if idle >= quiet * 3:
            return outcome(
                "settle",
                f"quiet after {time.monotonic() - start:.2f} s with {len(recorder.inflight)} request(s) still open",
            )
        await asyncio.sleep(0.05)
    return outcome("settle", f"still busy after {bound:.1f} s ({len(recorder.inflight)} request(s) open); went on")


COOKIE_JS = r"""
() => {
  const reject = /^(reject( all)?|decline( all)?|only (necessary|essential)|necessary only|refuse|deny|ablehnen|alle ablehnen|refuser|tout refuser|rechazar|отхвърл\S*|откаж\S*|само необходими\S*)$/i;
  const accept = /^(accept( all)?( cookies)?|allow( all)?( cookies)?|agree|i agree|ok|got it|consent|akzeptieren|alle akzeptieren|accepter|tout accepter|aceptar|приемам|приеми( всички)?|съгласен|разбрах)$/i;
  const known = ['#onetrust-reject-all-handler', '#onetrust-accept-btn-handler', '#didomi-notice-disagree-button',
    '#didomi-notice-agree-button', '.fc-cta-do-not-consent', '.fc-cta-consent', '#CybotCookiebotDialogBodyButtonDecline',
    '#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll', '[data-testid="cookie-policy-manage-dialog-decline-button"]',
    '[data-cookiebanner="accept_button"]', '.cc-deny', '.cc-allow', '.cc-dismiss'];
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const label = el => (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
  for (const sel of known) { const el = document.querySelector(sel);
    if (el && visible(el)) { const text = label(el); el.click(); return {clicked: text || sel, selector: sel}; } }
  const containers = [...document.querySelectorAll('[id*=cookie i],[class*=cookie i],[id*=consent i],[class*=consent i],' +
    '[id*=gdpr i],[class*=gdpr i],[aria-label*=cookie i],[role=dialog],[role=alertdialog]')].filter(visible);
  for (const pattern of [reject, accept]) {
    for (const box of containers) {
      for (const el of box.querySelectorAll('button,[role=button],a,input[type=button],input[type=submit]')) {
        const text = label(el);
        if (visible(el) && pattern.test(text)) { el.click(); return {clicked: text, selector: null}; }
      }
    }
  }
  return null;
}
"""

EXPAND_JS = r"""
(maxClicks) => {
  let opened = 0, clicked = [];
  for (const d of document.querySelectorAll('details:not([open])')) { d.open = true; opened++; }
  const more = /^(show|see|read|view|load) more\b|^more$|^expand\b|покажи още|виж още|още$|mehr (anzeigen|laden)|voir plus/i;
  for (const el of document.querySelectorAll('button,[role=button],a')) {
    if (clicked.length >= maxClicks) break;
    const text = (el.innerText || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
    if (!more.test(text) || text.length > 40) continue;
    // Never follow a link away from the page being captured.
    const href = el.tagName === 'A' ? (el.getAttribute('href') || '') : '';
    if (href && !href.startsWith('#') && !href.startsWith('javascript:')) continue;
    if (el.form && (el.type || 'submit') === 'submit') continue;  // nor submit a form
    const r = el.getBoundingClientRect(); if (r.width === 0 || r.height === 0) continue;
    el.click(); clicked.push(text);
  }
  return {opened, clicked};
}
"""

SCROLL_JS = r"""
async ([maxHeight, maxSteps, maxMs, pauseMs]) => {
  const start = performance.now(); const sleep = ms => new Promise(r => setTimeout(r, ms));
  const height = () => Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);
  const initial = height(); let steps = 0, stop = 'bottom', y = 0;
  while (true) {
    const h = height();
    if (y + innerHeight >= h) {           // at the bottom: give a feed one chance to append
      await sleep(pauseMs * 2);
      if (y + innerHeight >= height()) { stop = 'bottom'; break; }
    }
    if (steps >= maxSteps) { stop = 'steps'; break; }
    if (y >= maxHeight) { stop = 'height'; break; }
    if (performance.now() - start > maxMs) { stop = 'time'; break; }
    y = Math.min(y + Math.round(innerHeight * 0.85), height());
    window.scrollTo(0, y); steps++;
    await sleep(pauseMs);
  }
  // Pages whose content scrolls inside a box (app layouts, chat panes): step through the largest few too.
  const boxes = [...document.querySelectorAll('body *')].filter(el => el.clientHeight > 150 &&
      el.scrollHeight > el.clientHeight + 50 && /(auto|scroll)/.test(getComputedStyle(el).overflowY))
    .sort((a, b) => b.clientHeight * b.clientWidth - a.clientHeight * a.clientWidth).slice(0, 5);
  // Two frames drawn at this scroll position: what came into view has been seen by the lazy loader
  // (an image inside a box loads only once it is visible in it, not from a margin ahead).
  const drawn = () => Promise.race([new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))),
                                    sleep(pauseMs * 5)]);
  let boxSteps = 0;
  for (const box of boxes) {
    box.scrollIntoView({block: 'nearest'});
    let top = 0;
    while (boxSteps < maxSteps && top < maxHeight && performance.now() - start <= maxMs) {
      if (top + box.clientHeight >= box.scrollHeight) {  // at its end: as for the page, one chance to append
        await drawn(); await sleep(pauseMs * 2);
        if (top + box.clientHeight >= box.scrollHeight) break;
      }
      top += Math.round(box.clientHeight * 0.85); box.scrollTop = top; boxSteps++;
      await sleep(pauseMs);
    }
    box.scrollTop = 0;
  }
  return {steps, stop, initialHeight: initial, finalHeight: height(), boxes: boxes.length, boxSteps,
          ms: Math.round(performance.now() - start)};
}
"""

IMAGES_JS = r"""
async (maxMs) => {
  const pending = [...document.images].filter(img => !img.complete);
  const waits = pending.map(img => new Promise(r => { img.addEventListener('load', r, {once: true});
                                                       img.addEventListener('error', r, {once: true}); }));
  await Promise.race([Promise.all(waits), new Promise(r => setTimeout(r, maxMs))]);
  const left = [...document.images].filter(img => !img.complete).length;
  return {total: document.images.length, waitedFor: pending.length, stillLoading: left};
}
"""


async def dismiss_cookie_banner(page: Page) -> dict[str, Any]:
    result = await page.evaluate(COOKIE_JS)
    if result:
        await asyncio.sleep(0.1)
        return outcome("cookie-banner", f"clicked {result['clicked']!r}", clicked=result["clicked"])
    return outcome("cookie-banner", "no cookie banner recognised")


async def expand(page: Page, limits: Limits) -> dict[str, Any]:
    result = await page.evaluate(EXPAND_JS, limits.max_clicks)
    if result["clicked"]:
        await asyncio.sleep(0.2)
    return outcome(
        "expand",
        f"opened {result['opened']} <details>, clicked {len(result['clicked'])} 'more' control(s)",
        clicked=result["clicked"],
    )


async def scroll(page: Page, limits: Limits, seconds: float | None = None) -> dict[str, Any]:
    """Scroll down in steps; ``seconds`` (default ``limits.scroll_seconds``) bounds the in-page loop."""
    budget = limits.scroll_seconds if seconds is None else seconds
    result = await page.evaluate(
        SCROLL_JS, [limits.max_height, limits.max_steps, int(budget * 1000), limits.step_pause_ms]
    )
    reasons = {
        "bottom": "reached the bottom",
        "steps": f"stopped after {limits.max_steps} steps (limit)",
        "height": f"stopped at {limits.max_height} px (limit)",
        "time": "stopped at the time limit",
    }
    return outcome(
        "scroll",
        f"{result['steps']} steps, {reasons[result['stop']]}; page grew from "
        f"{result['initialHeight']} to {result['finalHeight']} px"
        + (f"; {result['boxSteps']} steps in {result['boxes']} scrolling box(es)" if result["boxes"] else ""),
        **result,
    )


async def wait_for_images(page: Page, seconds: float) -> dict[str, Any]:
    result = await page.evaluate(IMAGES_JS, int(seconds * 1000))
    return outcome(
        "images",
        f"{result['total']} images, waited for {result['waitedFor']}, {result['stillLoading']} still loading",
        **result,
    )


async def back_to_top(page: Page) -> None:
    await page.evaluate("() => window.scrollTo(0, 0)")
    await asyncio.sleep(0.05)
