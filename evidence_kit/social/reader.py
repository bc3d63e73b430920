# ruff: noqa: E501  (the page scripts below read better unwrapped)
"""Reading an account's timeline in the capture's own page, with the network recorder still recording.

The capture (``capture/page.py``) awaits ``CaptureOptions.reader`` after its behaviours and before its
artefacts, so everything read here is in the WARC and the screenshots, DOM and PDF show the page as read.
Nothing is fetched outside the record: extra documents (Telegram's ``?before=ID`` pages, an ActivityPub
actor and outbox, RSS/Atom alternates, a "more" link's next page) are fetched by the page itself
(``fetch`` in the page, through the address rules), and "load more" buttons are clicked.

What it did is returned as a behaviour outcome (``read-timeline``) and so written into the capture record:
every URL it fetched, why, and what stopped it. The extractors read those URLs back from the WARC. A wall
(``walls.py``) seen on the live page is added to the capture's errors, so the capture is ``partial`` and
says why.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from . import registry, walls
from .model import Source, Wall

if TYPE_CHECKING:
    from playwright.async_api import Page

    from ..capture.outcome import PageCapture

NAME = "read-timeline"
MAX_ROUNDS = 40  # paging rounds at most, whatever the page offers
END = "the timeline's end"
REPEATS = "a next page already read (the site's paging repeats itself)"
ROUNDS = f"the reading's limit of {MAX_ROUNDS} paging rounds"

COUNT_JS = """(css) => { try { return document.querySelectorAll(css).length; } catch (e) { return 0; } }"""
STATUS_JS = """() => { const n = performance.getEntriesByType('navigation')[0]; return n && n.responseStatus ? n.responseStatus : null; }"""
ALTERNATES_JS = """() => [...document.querySelectorAll('link[rel~="alternate"][href]')].map(l => ({type: (l.type || '').toLowerCase(), href: l.href}))"""
# Fetch a document through the page (so the browser records it) and say what it holds.
FETCH_JS = """async ([url, accept, css, headers]) => {
  const ask = Object.assign({}, headers || {}, accept ? {'Accept': accept} : {});
  const r = await fetch(url, {headers: ask, credentials: 'same-origin', redirect: 'follow'});
  const text = await r.text();
  const out = {url: r.url, status: r.status, type: r.headers.get('content-type') || '', length: text.length};
  if (out.type.includes('json')) { try { out.json = JSON.parse(text); } catch (e) {} }
  else if (out.type.includes('html')) {
    const doc = new DOMParser().parseFromString(text, 'text/html');
    out.ids = [...doc.querySelectorAll('[data-post]')].map(e => e.getAttribute('data-post'));
    const posts = css ? [...doc.querySelectorAll(css)] : [];
    out.posts = posts.length;
    out.post_ids = posts.map(e => e.getAttribute('data-post-id') || e.getAttribute('data-post') || e.id || '');
    const more = doc.querySelector('a.tme_messages_more[data-before]');
    out.before = more ? more.getAttribute('data-before') : null;
    const next = doc.querySelector('a[rel~="next"][href], link[rel~="next"][href]');
    out.next = next ? new URL(next.getAttribute('href'), r.url).href : null;
  }
  return out;
}"""
# The page's own requests to the platform's API (``API_URLS``) that were answered 429 (resource timing).
RATE_LIMITED_JS = """(pattern) => { const re = new RegExp(pattern); return performance.getEntriesByType('resource').filter(e => re.test(e.name) && e.responseStatus === 429).map(e => e.name); }"""
IDS_JS = """() => [...document.querySelectorAll('[data-post]')].map(e => e.getAttribute('data-post'))"""
POST_IDS_JS = """(css) => [...document.querySelectorAll(css)].map(e => e.getAttribute('data-post-id') || e.getAttribute('data-post') || e.id || '')"""
# A control that asks for more: a rel=next link, or a link or button worded "load more", "older posts", …
MORE_JS = r"""() => {
  const words = /^\s*(load more|show more|see more|more posts|older posts|older|older entries|next page|more|previous posts|показать ещё|показать еще|ещё|еще|още|по-стари)\s*(»|›|→)?\s*$/i;
  const seen = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const next = document.querySelector('a[rel~="next"][href]');
  let el = next && seen(next) ? next : null;
  if (!el) el = [...document.querySelectorAll('a, button, [role=button]')].find(e => seen(e) && words.test(e.innerText || e.value || '') && !e.dataset.evidenceKitClicked);
  if (!el) return null;
  const href = el.tagName === 'A' ? el.getAttribute('href') : null;
  if (href && !href.startsWith('#') && !href.startsWith('javascript:')) return {kind: 'link', href: new URL(href, location.href).href, text: (el.innerText || '').trim().slice(0, 80)};
  el.dataset.evidenceKitClicked = '1';
  el.scrollIntoView({block: 'center'}); el.click();
  return {kind: 'button', text: (el.innerText || '').trim().slice(0, 80)};
}"""
SCROLL_JS = (
    """() => { const before = document.documentElement.scrollHeight; window.scrollTo(0, before); return before; }"""
)
ITEM_LIST = "/api/post/item_list/"
MAX_MEDIA = 40  # attachments and covers fetched at most
SEC_UID_JS = """() => { const s = document.getElementById('__UNIVERSAL_DATA_FOR_REHYDRATION__'); if (!s) return null;
  try { const u = JSON.parse(s.textContent).__DEFAULT_SCOPE__['webapp.user-detail'].userInfo.user; return u.secUid || null; } catch (e) { return null; } }"""
AP = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@dataclass(frozen=True)
class TimelineReader:
    """Reads an account's timeline until ``max_posts`` posts or its end (``CaptureOptions.reader``)."""

    max_posts: int = 50
    platform: str | None = None  # forced (--platform); else chosen by host and markup

    name = NAME

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "max_posts": self.max_posts, "platform": self.platform}

    async def __call__(self, page: Page, result: PageCapture, seconds: float) -> dict[str, Any]:
        reading = _Reading(page, result, self, time.monotonic() + max(seconds, 0.5))
        try:
            return await reading.run()
        except asyncio.CancelledError:
            # Cut short by the capture's deadline: what was fetched so far is still in the WARC and named
            # in the record, so the extractors read it.
            reading.stopped = "the capture's deadline (the reading was cut short)"
            result.behaviours.append(reading.outcome())
            raise


class _Reading:
    def __init__(self, page: Page, result: PageCapture, reader: TimelineReader, end: float):
        self.page, self.result, self.reader, self.end = page, result, reader, end
        self.fetched: list[dict[str, Any]] = []
        self.stopped = END
        self.seen_ids: set[str] = set()
        self.found: list[Wall] = []  # walls seen in the documents fetched (a suspended actor)
        self.walls: list[Wall] = []  # walls seen on the page
        self.platform: str | None = None
        self.posts = 0

    def left(self) -> float:
        return self.end - time.monotonic()

    async def fetch(
        self,
        url: str,
        why: str,
        accept: str | None = None,
        css: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any] | None:
        if len(self.fetched) >= MAX_ROUNDS * 2 or self.left() < 1.0:
            self.stopped = "the time or the number of requests a reading may make"
            return None
        try:
            answer = await asyncio.wait_for(
                self.page.evaluate(FETCH_JS, [url, accept, css, headers]), max(0.5, self.left() - 0.5)
            )
        except Exception as exc:  # noqa: BLE001  a fetch the page refused (CORS, the address rules) is recorded
            self.fetched.append({"url": url, "why": why, "error": str(exc).splitlines()[0][:200]})
            return None
        self.fetched.append({"url": answer.get("url") or url, "why": why, "status": answer.get("status")})
        return dict(answer)

    async def run(self) -> dict[str, Any]:
        html = await self.page.content()
        platform = registry.choose(self.page.url, html, self.reader.platform)
        self.platform = platform.NAME
        status = await self.page.evaluate(STATUS_JS)
        found = walls.check(
            self.result.url, self.page.url, status, html, platform.WALLS, posts_css=registry.own_words_css(platform)
        )
        if platform.NAME == "telegram":
            from .platforms import telegram

            redirect = telegram.redirect_wall(self.result.url, self.page.url, Source(url=self.page.url))
            if redirect is not None:
                found = [redirect, *(w for w in found if w.code != "restricted")]
        self.walls = found
        if found:
            self.result.errors.append(f"profile not fully readable: {walls.sentence(found)}")
        css = platform.POSTS_CSS
        posts = self.posts = int(await self.page.evaluate(COUNT_JS, css) or 0)
        if not found or posts:  # a wall over a page that still shows posts: read what it shows
            if platform.PAGING == "before":
                posts = await self._before(posts)
            elif platform.PAGING == "offset":
                posts = await self._offset(platform, css)
            elif platform.PAGING == "json":
                posts = max(posts, await self._json_pages(platform))
            elif platform.PAGING == "activitypub":
                await self._activitypub(rest=platform.NAME == "mastodon")
            elif platform.PAGING == "item-list":
                posts = await self._item_list(posts)
            own = ("before", "offset", "json", "item-list")  # pagings that read to their own end
            if platform.PAGING not in own:
                paged, self.stopped = self.stopped, END
                posts = await self._more(css, posts)
                if paged != END:  # what stopped the platform's own paging (the outbox) is said too
                    self.stopped = f"{paged}; on the page: {self.stopped}"
            await self._alternates(platform.PAGING)
        else:
            self.stopped = "a wall: " + ", ".join(w.code for w in found)
        self.posts = posts
        await self._rate_limited(getattr(platform, "API_URLS", None))
        try:
            await self.page.evaluate("() => window.scrollTo(0, 0)")
        except Exception:  # noqa: BLE001
            pass
        return self.outcome()

    def _refused(self, answer: dict[str, Any]) -> bool:
        """A next page the site refused (not 2xx): the reading stops there and says so; a 429 is a rate
        limit (a wall: what was not read is not evidence that it is not there)."""
        status = answer.get("status")
        if not isinstance(status, int) or 200 <= status < 300:
            return False
        self.stopped = f"an older page the site refused (HTTP {status}), not read"
        if status == 429:
            reason = f"the site answered 429 Too Many Requests to an older page ({answer.get('url')})"
            self.found.append(Wall("rate-limit", reason, Source(url=str(answer.get("url")))))
            self.result.errors.append(f"profile not fully readable: {walls.sentence([self.found[-1]])}")
        return True

    async def _rate_limited(self, pattern: str | None) -> None:
        """The page's scripts asked the platform's API for more and were told 429: a rate limit, said so
        (the posts the page did not get are not evidence that there are none)."""
        if not pattern:
            return
        try:
            limited = list(await self.page.evaluate(RATE_LIMITED_JS, pattern) or [])
        except Exception:  # noqa: BLE001  a page gone or navigating: nothing more to say
            return
        if limited:
            reason = f"the site's API answered 429 Too Many Requests to the page ({len(limited)} request(s))"
            self.found.append(Wall("rate-limit", reason, Source(url=str(limited[0]))))
            self.result.errors.append(f"profile not fully readable: {walls.sentence([self.found[-1]])}")
            self.stopped = "a rate limit (429) on the site's API"

    def outcome(self) -> dict[str, Any]:
        """What the reading did, for the capture record (the extractors read ``fetched`` back)."""
        return {
            "name": NAME,
            "outcome": f"read {self.posts} post(s) on the page and fetched {len(self.fetched)} document(s); "
            f"stopped at {self.stopped}",
            "platform": self.platform,
            "max_posts": self.reader.max_posts,
            "posts_on_page": self.posts,
            "walls": [w.code for w in [*self.walls, *self.found]],
            "fetched": self.fetched,
            "stopped": self.stopped,
        }

    async def _before(self, posts: int) -> int:
        """Telegram: ``?before=ID`` pages, oldest id first, until enough posts or none older."""
        ids = [i for i in await self.page.evaluate(IDS_JS) if isinstance(i, str) and "/" in i]
        self.seen_ids.update(ids)
        total = len(self.seen_ids)
        base = self.page.url.split("?")[0]
        while total < self.reader.max_posts:
            numbers = [int(i.rsplit("/", 1)[1]) for i in self.seen_ids if i.rsplit("/", 1)[1].isdigit()]
            if not numbers or min(numbers) <= 1:
                self.stopped = "the channel's first post"
                break
            answer = await self.fetch(f"{base}?before={min(numbers)}", "older posts (?before=)")
            if answer is None or self._refused(answer):
                break
            new = [i for i in answer.get("ids") or [] if i not in self.seen_ids]
            if not new:
                self.stopped = "a page that showed no older posts"
                break
            self.seen_ids.update(new)
            total = len(self.seen_ids)
        else:
            self.stopped = f"{self.reader.max_posts} posts (--max-posts)"
        return total

    async def _offset(self, platform: Any, css: str) -> int:
        """VK: the wall's ``?offset=N&own=1`` pages (``platform.offset_url``; N leaves out the pinned posts,
        ``platform.PINNED_CSS``), until enough posts or a page with none not seen before (VK's "no posts"
        block past the end)."""
        seen = [i for i in await self.page.evaluate(POST_IDS_JS, css) if i]
        ids = set(seen)
        # A pinned post sits above the first page's posts and is not counted by VK's offset.
        pinned = int(await self.page.evaluate(COUNT_JS, platform.PINNED_CSS) or 0)
        base = self.page.url
        while len(ids) < self.reader.max_posts:
            offset = max(0, len(ids) - pinned)
            answer = await self.fetch(platform.offset_url(base, offset), "older posts (?offset=)", css=css)
            if answer is None or self._refused(answer):
                return len(ids)
            new = [i for i in answer.get("post_ids") or [] if i and i not in ids]
            if not new:
                self.stopped = "a wall page with no older posts"
                return len(ids)
            ids.update(new)
        self.stopped = f"{self.reader.max_posts} posts (--max-posts)"
        return len(ids)

    async def _json_pages(self, platform: Any) -> int:
        """Instagram: the profile's data answer (``platform.profile_json``), then each next timeline page
        its cursor names (``platform.next_json``), asked for by the page so each answer is in the WARC. An
        answer that refuses (``platform.json_wall``: require_login, a rate limit) is a wall."""
        url = platform.profile_json(self.page.url)
        total: int = 0
        why = "profile data"
        asked: set[str] = set()
        while url:
            if url in asked:
                self.stopped = REPEATS
                return total
            asked.add(url)
            answer = await self.fetch(url, why, headers=platform.JSON_HEADERS)
            doc = (answer or {}).get("json")
            if doc is None:
                self.stopped = "a profile data answer that was not JSON"
                return total
            refused = platform.json_wall(doc, (answer or {}).get("status"))
            if refused is not None:  # the answer is a wall (require_login, a rate limit), not the account
                self.found.append(Wall(refused[0], refused[1], Source(url=(answer or {}).get("url") or url)))
                self.result.errors.append(f"profile not fully readable: {walls.sentence([self.found[-1]])}")
                self.stopped = f"a wall: {refused[0]}"
                return total
            got = int(platform.json_posts(doc))
            total += got
            if total >= self.reader.max_posts:
                self.stopped = f"{self.reader.max_posts} posts (--max-posts)"
                return total
            url = platform.next_json(self.page.url, doc)
            if url is None or not got:
                self.stopped = "the timeline's end (no next page)" if url is None else "a timeline page with no posts"
                return total
            why = "older posts (the timeline's next cursor)"
        return total

    async def _activitypub(self, rest: bool = False) -> None:
        """The actor linked as application/activity+json, its counts and its outbox pages, and the
        pictures, videos and files its posts attach (so they are stored from the WARC). ``rest``
        (Mastodon): also the server's public account lookup, which says which fields it verified."""
        alternates = await self.page.evaluate(ALTERNATES_JS)
        actor_url = next((a["href"] for a in alternates if "activity+json" in a["type"]), None)
        if actor_url is None:
            return
        actor = await self.fetch(actor_url, "ActivityPub actor", AP)
        doc = (actor or {}).get("json")
        if not isinstance(doc, dict):
            return
        if doc.get("suspended") is True:
            wall = walls.Marker("suspended", "the actor document says suspended: true")
            self.found.append(Wall(wall.code, wall.reason, Source(url=actor_url)))
            self.result.errors.append(f"profile not fully readable: {walls.sentence([self.found[-1]])}")
        for name in ("followers", "following"):
            if isinstance(doc.get(name), str):
                await self.fetch(doc[name], f"ActivityPub {name} (count)", AP)
        for name in ("icon", "image"):  # the avatar and header, so that they are stored from the WARC
            item = doc.get(name)
            url = item.get("url") if isinstance(item, dict) else None
            if isinstance(url, str):
                await self.fetch(url, f"ActivityPub {name} (picture)")
        username = doc.get("preferredUsername")
        if rest and isinstance(username, str) and doc.get("attachment"):
            lookup = urljoin(actor_url, "/api/v1/accounts/lookup?" + urlencode({"acct": username}))
            await self.fetch(
                lookup, "Mastodon account lookup (which profile fields the server verified)", "application/json"
            )
        outbox = doc.get("outbox")
        if not isinstance(outbox, str):
            return
        page = await self.fetch(outbox, "ActivityPub outbox", AP)
        items = 0
        attached: list[str] = []
        body = (page or {}).get("json") or {}
        link = body.get("first")
        link = link.get("id") if isinstance(link, dict) else link
        asked: set[str] = set()
        for _ in range(MAX_ROUNDS):
            if not isinstance(link, str) or items >= self.reader.max_posts:
                break
            if link in asked:
                self.stopped = REPEATS
                break
            asked.add(link)
            page = await self.fetch(link, "ActivityPub outbox page", AP)
            body = (page or {}).get("json") or {}
            got = body.get("orderedItems") or body.get("items") or []
            if not got:
                self.stopped = "an empty outbox page"
                break
            items += len(got)
            attached += [url for item in got for url in _attachments(item)]
            link = body.get("next")
        else:
            self.stopped = ROUNDS
        if items >= self.reader.max_posts:
            self.stopped = f"{self.reader.max_posts} posts (--max-posts)"
        for url in list(dict.fromkeys(attached))[:MAX_MEDIA]:
            await self.fetch(url, "a post's attachment (media)")

    async def _item_list(self, posts: int) -> int:
        """TikTok: the item-list API answers (``itemList``, ``hasMore``, ``cursor``).

        The first answer is the one the page's own script fetched, read from the recording; the next
        pages are fetched through the page with the same query and the answer's ``cursor``, until
        ``max_posts`` items or ``hasMore`` false. Each item's cover picture is fetched too.
        """
        answers = await self.result.recorded(ITEM_LIST) if self.result.recorded is not None else []
        ids: list[str] = []
        covers: list[str] = []
        last_url: str | None = None
        body: dict[str, Any] = {}
        for url, status, raw in answers:
            parsed = _json(raw)
            if status == 200 and isinstance(parsed, dict):
                self.fetched.append(
                    {"url": url, "why": "the page's own item-list request (read from the recording)", "status": status}
                )
                last_url, body = url, parsed
                ids, covers = _items(parsed, ids, covers)
        if last_url is None:
            sec_uid = await self.page.evaluate(SEC_UID_JS)
            if not isinstance(sec_uid, str) or not sec_uid:
                self.stopped = "no item-list request and no secUid on the page"
                return posts
            first = urljoin(
                self.page.url, ITEM_LIST + "?" + urlencode({"secUid": sec_uid, "cursor": "0", "count": "30"})
            )
            answer = await self.fetch(first, "item list (first page)", "application/json")
            body = (answer or {}).get("json") or {}
            last_url = first
            ids, covers = _items(body, ids, covers)
        asked = {last_url}
        for _ in range(MAX_ROUNDS):
            if len(ids) >= self.reader.max_posts:
                self.stopped = f"{self.reader.max_posts} posts (--max-posts)"
                break
            if not body.get("hasMore") or body.get("cursor") in (None, ""):
                self.stopped = "the account's last item-list page (hasMore false)"
                break
            next_url = _with_query(last_url, cursor=str(body["cursor"]))
            if next_url in asked:
                self.stopped = REPEATS
                break
            asked.add(next_url)
            answer = await self.fetch(next_url, "item list (older posts, cursor)", "application/json")
            body = (answer or {}).get("json") or {}
            if not isinstance(body, dict) or not body.get("itemList"):
                self.stopped = "an item-list page with no items"
                break
            last_url = next_url
            ids, covers = _items(body, ids, covers)
        else:
            self.stopped = ROUNDS
        for url in covers[: self.reader.max_posts][:MAX_MEDIA]:
            await self.fetch(url, "a video's cover (picture)")
        return max(posts, len(ids))

    async def _more(self, css: str, posts: int) -> int:
        """Scroll, then "more" links (fetched) and buttons (clicked), until enough posts or nothing more."""
        next_link: str | None = None
        extra = 0
        for _ in range(MAX_ROUNDS):
            if posts + extra >= self.reader.max_posts:
                self.stopped = f"{self.reader.max_posts} posts (--max-posts)"
                break
            if self.left() < 1.5:
                self.stopped = "the time the capture leaves for reading"
                break
            if next_link is not None:
                answer = await self.fetch(next_link, 'next page (a "more" link)', css=css)
                if answer is None or self._refused(answer):
                    break
                extra += int(answer.get("posts") or 0)
                next_link = answer.get("next")
                if next_link in {f.get("url") for f in self.fetched}:
                    next_link = None
                if not answer.get("posts"):
                    self.stopped = "a next page with no posts"
                    break
                continue
            height = await self.page.evaluate(SCROLL_JS)
            await asyncio.sleep(0.4)
            grown = int(await self.page.evaluate(COUNT_JS, css) or 0)
            if grown > posts:  # scrolling brought more (an endless timeline)
                posts = grown
                continue
            if int(await self.page.evaluate("() => document.documentElement.scrollHeight")) > height:
                continue  # the page grew: what it loads may still be coming
            control = await self.page.evaluate(MORE_JS)
            if control is None:
                self.stopped = 'the timeline\'s end (no more posts, no "more" control)'
                break
            if control["kind"] == "link":
                if control["href"] in {f.get("url") for f in self.fetched}:
                    self.stopped = 'the timeline\'s end (its "more" link leads to a page already read)'
                    break
                next_link = control["href"]
                continue
            self.fetched.append({"why": f'clicked "{control["text"]}"', "url": None})
            await asyncio.sleep(0.6)
            grown = int(await self.page.evaluate(COUNT_JS, css) or 0)
            if grown <= posts:
                self.stopped = f'a "{control["text"]}" control that brought nothing more'
                break
            posts = grown
        else:
            self.stopped = ROUNDS
        return posts + extra

    async def _alternates(self, paging: str) -> None:
        """RSS/Atom alternates (and an ActivityPub actor, for the generic reader)."""
        alternates = await self.page.evaluate(ALTERNATES_JS)
        for item in alternates[:4]:
            kind = item["type"]
            if kind in ("application/rss+xml", "application/atom+xml"):
                await self.fetch(item["href"], f"feed ({kind})")
        if paging not in ("activitypub", "before") and any("activity+json" in a["type"] for a in alternates):
            await self._activitypub()


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _items(body: Any, ids: list[str], covers: list[str]) -> tuple[list[str], list[str]]:
    """The item ids and cover URLs of an item-list answer added to those seen (no repeats)."""
    for item in (body.get("itemList") if isinstance(body, dict) else None) or []:
        if isinstance(item, dict) and item.get("id") and str(item["id"]) not in ids:
            ids = [*ids, str(item["id"])]
            cover = (item.get("video") or {}).get("cover") if isinstance(item.get("video"), dict) else None
            if isinstance(cover, str) and cover.startswith("http"):
                covers = [*covers, cover]
    return ids, covers


def _with_query(url: str, **changes: str) -> str:
    """``url`` with some query parameters replaced (the rest, signed or not, kept as the page sent them)."""
    parts = urlsplit(url)
    query = [(k, changes[k]) if k in changes else (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query += [(k, v) for k, v in changes.items() if all(k != name for name, _ in query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _attachments(item: Any) -> list[str]:
    """The media URLs an outbox item's note attaches (``Create`` → ``object.attachment[].url``)."""
    note = item.get("object") if isinstance(item, dict) and item.get("type") == "Create" else item
    out = []
    for attachment in (note.get("attachment") if isinstance(note, dict) else None) or []:
        if isinstance(attachment, dict) and attachment.get("type") in ("Document", "Image", "Video", "Audio"):
            url = attachment.get("url")
            url = url.get("href") if isinstance(url, dict) else url
            if isinstance(url, str) and url.startswith("http"):
                out.append(url)
    return out
