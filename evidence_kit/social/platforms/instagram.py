"""Instagram profiles: ``profile_id`` / ``profilePage_<id>`` in the page, the ``web_profile_info`` answer.

Logged out, Instagram often redirects to ``/accounts/login`` or lays a login dialog over the page:
both are a login wall, said as such.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Profile, Value
from ..views import View
from ..walls import Marker
from .embedded import count, fill, first_key, regex_in_scripts
from .generic import read_standards

NAME = "instagram"
VERSION = "1"
HOSTS = ("instagram.com", "instagr.am")
POSTS_CSS = "a[href*='/p/'], a[href*='/reel/']"
PAGING = "scroll"
WALLS = (
    Marker("login-wall", "Instagram redirected to its login page", url=r"/accounts/login"),
    Marker("not-found", "Instagram says the page isn't available", html=r"sorry, this page isn.t available"),
    Marker("private", "Instagram says the account is private", html=r"this account is private"),
)


def detect(url: str, html: str) -> int:
    return 5 if "instagram://user" in html or '"profilePage_' in html else 0


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    fill(profile, "account_id", first_key(view, "profile_id") or regex_in_scripts(view, r'"profilePage_(\d+)"'))
    fill(profile, "handle", first_key(view, "username", lambda v: isinstance(v, str)))
    fill(profile, "display_name", first_key(view, "full_name", lambda v: isinstance(v, str)))
    fill(profile, "bio", first_key(view, "biography", lambda v: isinstance(v, str)))
    for key, name in (("edge_followed_by", "followers"), ("edge_follow", "following")):
        found = first_key(view, key, lambda v: isinstance(v, dict) and isinstance(v.get("count"), int))
        if found is not None:
            count(
                profile,
                name,
                Value(found.value["count"], replace(found.source, json_path=f"{found.source.json_path}.count")),
            )
    read_standards(profile, view)
    return profile
