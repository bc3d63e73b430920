"""X (Twitter) profiles: the ``UserByScreenName`` answer the page loads (``data.user.result.rest_id``).

Logged out, X usually shows a login wall: recognised by the redirect to ``/i/flow/login`` or the login
prompt, and said as such. ``rest_id`` is the stable numeric id; ``legacy.screen_name`` the handle.
"""

from __future__ import annotations

from ..model import Profile, Value
from ..views import View
from ..walls import Marker
from .common import find_key, json_docs, json_value
from .generic import read_standards

NAME = "x"
VERSION = "1"
HOSTS = ("x.com", "twitter.com")
POSTS_CSS = "article[data-testid='tweet']"
PAGING = "scroll"
WALLS = (
    Marker("login-wall", "X redirected to its login flow", url=r"/i/flow/login"),
    Marker("suspended", "X says the account is suspended", html=r"account suspended"),
    Marker("not-found", "X says the account doesn't exist", html=r"this account doesn.t exist"),
    Marker("private", "X says the posts are protected", html=r"these posts are protected"),
)


def detect(url: str, html: str) -> int:
    return 5 if "abs.twimg.com" in html or 'content="@twitter"' in html else 0


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    for response, doc in json_docs(view):
        for path, result in find_key(doc, "result"):
            if isinstance(result, dict) and result.get("rest_id") and isinstance(result.get("legacy"), dict):
                legacy = result["legacy"]

                def v(sub: str, value: object, path: str = path, response: object = response) -> Value:
                    return json_value(response, f"{path}{sub}", value)  # type: ignore[arg-type]

                profile.account_id = profile.account_id or v(".rest_id", str(result["rest_id"]))
                for key, field in (
                    ("screen_name", "handle"),
                    ("name", "display_name"),
                    ("description", "bio"),
                    ("created_at", "created"),
                ):
                    if legacy.get(key) and getattr(profile, field) is None:
                        setattr(profile, field, v(f".legacy.{key}", legacy[key]))
                for key, name in (
                    ("followers_count", "followers"),
                    ("friends_count", "following"),
                    ("statuses_count", "posts"),
                ):
                    if isinstance(legacy.get(key), int):
                        profile.counts.setdefault(name, v(f".legacy.{key}", legacy[key]))
                break
    read_standards(profile, view)
    return profile
