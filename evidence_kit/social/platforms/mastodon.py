"""Mastodon and other ActivityPub servers: the actor document, the outbox, the profile page's fields.

The profile page (``/@name``) links its actor (``<link rel=alternate type=application/activity+json>``);
the reader fetches the actor and its outbox pages through the capture's browser (``Accept:
application/activity+json``), so they are in the WARC. The actor URI is the stable id. ``suspended``,
``movedTo`` and ``alsoKnownAs`` are read from the actor; ``rel=me`` verified links from the page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..model import Profile, Source, Value
from ..views import View
from ..walls import Marker
from .generic import handle_from_url, read_standards

NAME = "mastodon"
VERSION = "1"
HOSTS = ("mastodon.social", "mastodon.online", "mstdn.social", "mas.to", "fosstodon.org", "infosec.exchange")
POSTS_CSS = ".status, .h-entry, article"
# the account's own words about itself (bio): wall phrases there are what it wrote, not a wall
OWN_TEXT_CSS = ".p-note, .account__header__content"
PAGING = "activitypub"
WALLS = (
    Marker(
        "suspended",
        "the server says the account is suspended",
        html=r"(this account has been suspended|account suspended)",
    ),
    Marker(
        "not-found", "the server says the account does not exist", html=r"(the page you are looking for isn.t here)"
    ),
)


def detect(url: str, html: str) -> int:
    score = 0
    if 'type="application/activity+json"' in html or "type='application/activity+json'" in html:
        score += 4
    for mark in ('id="mastodon"', "/packs/", "mastodon", "data-props"):
        if mark in html:
            score += 1
    return score if score >= 4 else 0


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    read_standards(profile, view, actor_first=True)
    if profile.handle is None:
        handle = handle_from_url(view.final_url or view.url)
        if handle:
            profile.handle = Value(handle, Source(url=view.final_url or view.url))
            profile.notes.append("the handle was taken from the URL: no actor document was read")
    host = urlsplit(view.final_url or view.url).hostname or ""
    if profile.account_id is None:
        profile.notes.append(f"no ActivityPub actor document was read from {host}: the handle is the key")
    return profile
