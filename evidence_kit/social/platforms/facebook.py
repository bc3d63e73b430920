"""Facebook pages and profiles: ``userID`` / ``userVanity`` (and ``pageID``) in the page's script data.

Logged out, Facebook mostly shows a login wall or a login dialog over the page: both recognised.
"""

from __future__ import annotations

from ..model import Profile
from ..views import View
from ..walls import Marker
from .embedded import fill, regex_in_scripts
from .generic import read_standards

NAME = "facebook"
VERSION = "1"
HOSTS = ("facebook.com", "fb.com")
POSTS_CSS = "[role='article']"
PAGING = "scroll"
WALLS = (
    Marker("login-wall", "Facebook redirected to its login page", url=r"/login(\.php)?\b"),
    Marker(
        "login-wall", "Facebook shows its login form", xpath=".//form[@id='login_form' or contains(@action, '/login')]"
    ),
    Marker("not-found", "Facebook says the content isn't available", html=r"this content isn.t available"),
)


def detect(url: str, html: str) -> int:
    return 5 if '"userVanity"' in html or "static.xx.fbcdn.net" in html else 0


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    fill(
        profile,
        "account_id",
        regex_in_scripts(view, r'"userID"\s*:\s*"(\d+)"') or regex_in_scripts(view, r'"pageID"\s*:\s*"(\d+)"'),
    )
    fill(profile, "handle", regex_in_scripts(view, r'"userVanity"\s*:\s*"([\w.]+)"'))
    read_standards(profile, view)
    return profile
