"""``capture_profiles``: capture account pages in full, read their timelines, store Profile and Posts.

The library entry under ``evidence-kit capture-profile``. Each URL gets the whole capture of
``capture.session.capture_urls`` (one load, WARC, screenshots, PDF, MHTML, DOM, record, custody event,
describe, timestamp) with ``CaptureOptions.reader`` set to a :class:`~.reader.TimelineReader`; then
``store.store_profile`` reads the stored capture back and records the account. With ``capture_posts``
every post's permalink is then captured as a page of its own (same options, no reader).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from chain_of_custody.keys import Identity

from ..capture.options import CaptureOptions
from ..case import Case
from . import registry
from .model import value_of
from .reader import TimelineReader
from .store import StoredProfile, store_profile

ProgressCallback = Callable[[int, int], None]
DEFAULT_MAX_POSTS = 50


@dataclass
class ProfileCapture:
    """One account URL: its page capture, the account recorded from it, and its posts' captures."""

    url: str
    capture: Any  # capture.session.CaptureResult
    stored: StoredProfile | None
    post_captures: list[Any] = field(default_factory=list)
    post_problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "capture": self.capture.to_json(),
            **(self.stored.to_json() if self.stored else {"profile": None, "posts": []}),
            "post_captures": [c.to_json() for c in self.post_captures],
            "post_problem": self.post_problem,
        }


def capture_profiles(
    case: Case,
    identity: Identity,
    urls: Sequence[str] | Any,
    options: CaptureOptions | None = None,
    max_posts: int = DEFAULT_MAX_POSTS,
    platform: str | None = None,
    capture_posts: bool = False,
    on_progress: ProgressCallback | None = None,
    on_posts_progress: ProgressCallback | None = None,
) -> list[ProfileCapture]:
    """Capture each account URL and record its Profile and Posts; ``urls`` may be checked Targets."""
    from ..capture.session import capture_urls

    if platform:
        registry.by_name(platform)  # an unknown name is bad input, before anything is captured
    options = options or CaptureOptions()
    reading = replace(options, reader=TimelineReader(max_posts, registry.by_name(platform).NAME if platform else None))
    results = capture_urls(case, identity, urls, reading, on_progress=on_progress)
    out = []
    for result in results:
        stored = None
        if any(a.role == "warc" for a in result.artefacts):  # a capture that failed before any traffic: none
            stored = store_profile(case, identity, result.record, platform)
        out.append(ProfileCapture(result.url, result, stored))
    if capture_posts:
        _capture_posts(case, identity, out, options, max_posts, on_posts_progress)
    return out


def _capture_posts(
    case: Case,
    identity: Identity,
    done: list[ProfileCapture],
    options: CaptureOptions,
    max_posts: int,
    on_progress: ProgressCallback | None,
) -> None:
    """Each post's permalink as its own page capture (the address rules of ``capture`` apply)."""
    from ..capture.session import capture_urls, check_targets
    from ..errors import InvalidInput

    for item in done:
        if item.stored is None:
            continue
        links = [value_of(p.get("permalink")) for p in item.stored.posts["posts"]][:max_posts]
        links = list(dict.fromkeys(str(link) for link in links if isinstance(link, str) and link.startswith("http")))
        if not links:
            continue
        try:
            targets = check_targets(links, options.allow_private)
        except InvalidInput as exc:  # a permalink on a host the address rules refuse: said, not captured
            item.post_problem = f"the posts were not captured: {exc}"
            continue
        item.post_captures = capture_urls(case, identity, targets, options, on_progress=on_progress)


def summary(item: ProfileCapture) -> list[tuple[str, str]]:
    """What one account capture found, line by line, as (kind, sentence) in the record's own words.

    ``kind`` is ``error`` (the capture's errors, when nothing was stored), ``account``, ``wall``, ``note``,
    ``since`` and ``change`` (the changes since the account's last capture), ``posts`` or ``problem``. The
    CLI's ``capture-profile`` prints these lines and the web UI lists them, so both say the same.
    """
    from . import history

    if item.stored is None:
        return [("problem", "nothing was stored to read an account from")] + [
            ("error", str(error)) for error in item.capture.errors
        ]
    p = item.stored.profile
    out: list[tuple[str, str]] = []
    if p["status"] == "empty":
        out.append(("account", f"no {p['platform']} account data was shown on this page"))
    else:
        name = f"@{value_of(p['handle'])}" if p.get("handle") else "(no handle shown)"
        ident = f", id {value_of(p['account_id'])}" if p.get("account_id") else ", no stable id shown"
        shown = f" ({value_of(p['display_name'])})" if p.get("display_name") else ""
        out.append(("account", f"{p['platform']} account {name}{ident}{shown}"))
    counts = ", ".join(f"{k} {value_of(v)}" for k, v in p["counts"].items())
    out.append(
        (
            "account",
            f"{p['posts_read']} post(s) read"
            + (f"; {counts}" if counts else "")
            + f"; read by {p['extractor']['name']} {p['extractor']['version']}",
        )
    )
    if p.get("walls"):
        out.append(("wall", f"not the whole account: {p['why_incomplete']}"))
        out.append(("wall", "(a wall is not evidence that the account or its posts do not exist)"))
    out += [("note", f"note: {note}") for note in p.get("notes") or []]
    if item.stored.history:
        out.append(("since", f"since capture {item.stored.history['from']['capture_id']}:"))
        out += [("change", line) for line in history.sentences(item.stored.history) or ["no change"]]
    if item.post_captures:
        done = sum(1 for c in item.post_captures if c.status != "failed")
        out.append(("posts", f"{done} of {len(item.post_captures)} post page(s) captured"))
    if item.post_problem:
        out.append(("problem", item.post_problem))
    return out
