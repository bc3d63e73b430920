"""VK pages: the numeric owner id (``og:url`` ``/id<N>``, ``/club<N>``, ``/public<N>``, ``"ownerId"``).

A page seen logged out may be closed ("закрытый профиль") or hidden behind a login: both recognised.
"""

from __future__ import annotations

import re

from ..model import Profile, Source, Value
from ..views import View, meta
from ..walls import Marker
from .common import pages
from .embedded import fill, regex_in_scripts
from .generic import read_standards

NAME = "vk"
VERSION = "1"
HOSTS = ("vk.com", "vk.ru", "m.vk.com")
POSTS_CSS = ".post, ._post, [data-post-id]"
PAGING = "scroll"
WALLS = (
    Marker(
        "private",
        "VK says the profile is closed",
        html=r"(это закрытый профиль|this profile is private|закрытая группа)",
    ),
    Marker("login-wall", "VK asks the visitor to log in", url=r"/(login|join)\b"),
)


def detect(url: str, html: str) -> int:
    return 5 if "vk.com/images" in html or "vk.com/js" in html or "userapi.com" in html else 0


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    for page in pages(view):
        found = meta(page.root, "og:url")
        match = re.search(r"/(id|club|public)(\d+)$", found[0]) if found else None
        if found and match:
            profile.account_id = page.value(
                found[1], ("-" if match.group(1) != "id" else "") + match.group(2), found[0]
            )
            break
    fill(profile, "account_id", regex_in_scripts(view, r'"owner_?[iI]d"\s*:\s*(-?\d+)'))
    read_standards(profile, view)
    if profile.handle is None:
        segments = [s for s in (view.final_url or view.url).split("/")[3:] if s]
        if segments and not re.fullmatch(r"(id|club|public)\d+", segments[0]):
            profile.handle = Value(segments[0], Source(url=view.final_url or view.url))
            profile.notes.append("the handle was taken from the URL")
    return profile
