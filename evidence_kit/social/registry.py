"""The platforms, in one list, and how one is chosen for a page.

Each platform is one module under ``platforms/`` with ``NAME``, ``VERSION``, ``HOSTS``, ``WALLS``
(wall markers, ``walls.Marker``), ``POSTS_CSS`` (how the live reader counts posts on the page),
``PAGING`` (``scroll``, ``before``, ``activitypub``, ``item-list``, ``offset`` with ``offset_url``, or
``json`` with ``profile_json`` / ``next_json`` / ``json_posts`` / ``JSON_HEADERS``), ``detect(url, html) ->
int`` (a score from the markup's fingerprints; 0 = not this platform) and ``extract(view) -> Profile``.
Adding a platform is adding one module and its line in :data:`PLATFORMS`.

Choosing: ``--platform`` forces one; else the host decides (t.me is Telegram); else the highest
fingerprint score (so a page saved from, or served by, a mirror is recognised); else ``generic``.
"""

from __future__ import annotations

from types import ModuleType
from urllib.parse import urlsplit

from ..errors import InvalidInput
from .platforms import facebook, generic, instagram, mastodon, telegram, tiktok, vk, x

PLATFORMS: tuple[ModuleType, ...] = (telegram, mastodon, vk, instagram, tiktok, x, facebook, generic)
ALIASES = {"twitter": "x", "activitypub": "mastodon", "fediverse": "mastodon", "tg": "telegram"}
NAMES = tuple(p.NAME for p in PLATFORMS)


def own_words_css(platform: ModuleType) -> str:
    """Where the page shows what the account itself wrote: its posts (``POSTS_CSS``) and its bio
    (``OWN_TEXT_CSS``, optional). The generic wall tests do not read phrases there (``walls.check``)."""
    return ", ".join(css for css in (platform.POSTS_CSS, getattr(platform, "OWN_TEXT_CSS", "")) if css)


def by_name(name: str) -> ModuleType:
    """The platform called ``name`` (or one of its aliases); InvalidInput for an unknown one."""
    wanted = ALIASES.get(name.strip().lower(), name.strip().lower())
    for platform in PLATFORMS:
        if platform.NAME == wanted:
            return platform
    raise InvalidInput(f"unknown platform {name!r}; use one of: {', '.join(NAMES)} (or {', '.join(ALIASES)})")


def by_host(url: str) -> ModuleType | None:
    host = (urlsplit(url).hostname or "").lower()
    for platform in PLATFORMS:
        if any(host == h or host.endswith("." + h) for h in platform.HOSTS):
            return platform
    return None


def choose(url: str, html: str | None, forced: str | None = None) -> ModuleType:
    """The platform of a page: forced, else by host, else by the markup's fingerprints, else generic."""
    if forced:
        return by_name(forced)
    found = by_host(url)
    if found is not None:
        return found
    best, score = generic, 0
    for platform in PLATFORMS:
        if platform is generic:
            continue
        value = platform.detect(url, html or "")
        if value > score:
            best, score = platform, value
    return best
