"""What the platform modules share: reading a page of the WARC, and values with their sources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..model import Post, Profile, Source, Value
from ..views import Response, View, css_path, parse_html, walk_json


@dataclass
class Page:
    """One HTML document read for an account: its parsed tree and where it is stored."""

    root: Any
    response: Response | None  # None: the rendered DOM artefact
    view: View

    def at(self, element: Any) -> Source:
        selector = css_path(element)
        if self.response is not None:
            return self.response.source(css_selector=selector)
        return self.view.dom_source(selector)

    def value(self, element: Any, value: Any, raw: str | None = None) -> Value:
        return Value(value, self.at(element), raw)

    @property
    def url(self) -> str:
        if self.response is not None:
            return self.response.url
        return self.view.final_url or self.view.url


def answered(page: Page, markers: tuple[Any, ...] = (), posts_css: str = "") -> bool:
    """The page is what the site answers to a visitor who is let in: a 2xx answer (or the rendered DOM)
    showing no wall. A refused page (a 429, an error, a login page served with 200) says nothing of what
    the account holds, so it never ends a reading as "nothing older is left"."""
    from .. import walls

    if page.response is None:
        return True
    status = page.response.status
    if not 200 <= status < 300:
        return False
    return not walls.check(page.url, page.url, status, page.response.text(), markers, posts_css=posts_css)


def pages(view: View) -> Iterator[Page]:
    """The main document as served, then each HTML page the reader fetched, then the rendered DOM.

    What the server sent comes first (its WARC record is the most direct evidence); the rendered DOM
    adds what the page's scripts loaded (posts brought in by scrolling or a "load more" button).
    """
    seen: list[Response] = []
    for response in ([view.main] if view.main else []) + view.fetched():
        if response is None or response in seen or not response.is_html:
            continue
        seen.append(response)
        root = parse_html(response.text())
        if root is not None:
            yield Page(root, response, view)
    if view.dom:
        root = parse_html(view.dom)
        if root is not None:
            yield Page(root, None, view)


def main_page(view: View) -> Page | None:
    """The page the profile header is read from: the served main document, else the rendered DOM."""
    return next(pages(view), None)


def json_docs(view: View) -> Iterator[tuple[Response, Any]]:
    """Every JSON response of the capture, parsed (embedded API answers, ActivityPub documents)."""
    for response in view.responses:
        if response.is_json and not 300 <= response.status < 400:
            data = response.json()
            if data is not None:
                yield response, data


def script_json(page: Page, xpath: str) -> Iterator[tuple[Any, Any]]:
    """(script element, parsed JSON) for each matching script holding JSON."""
    for script in page.root.xpath(xpath):
        text = (script.text or "").strip()
        if not text:
            continue
        try:
            yield script, json.loads(text)
        except ValueError:
            continue


def find_key(data: Any, key: str) -> Iterator[tuple[str, Any]]:
    """(JSON path, value) of every object member named ``key``."""
    for path, value in walk_json(data):
        if isinstance(value, dict) and key in value:
            yield f"{path}.{key}", value[key]


def set_once(profile: Profile, name: str, value: Value | None) -> None:
    """Keep the first source that gave a field (sources are read in order of directness)."""
    if value is not None and value.value not in (None, "") and getattr(profile, name) is None:
        setattr(profile, name, value)


def add_post(profile: Profile, post: Post) -> None:
    """Add a post unless one with the same id is already there (the first, most direct source wins)."""
    if any(p.id.value == post.id.value for p in profile.posts):
        return
    profile.posts.append(post)


def add_link(profile: Profile, value: Value) -> None:
    if value.value and all(link.value != value.value for link in profile.links):
        profile.links.append(value)


def json_value(response: Response, path: str, value: Any, raw: str | None = None) -> Value:
    return Value(value, response.source(json_path=path), raw)


def script_value(page: Page, script: Any, path: str, value: Any, raw: str | None = None) -> Value:
    """A value read from JSON inside a <script>: the element's selector and the path inside it."""
    return Value(value, replace(page.at(script), json_path=path), raw)
