"""What an extractor reads from a captured account: a Profile and its Posts, every value with its source.

A value never travels alone: :class:`Value` holds it with the raw text it was read from and a
:class:`Source` saying where in the stored evidence it lies (the WARC record id and URL of the response
plus a CSS selector or JSON path, or the rendered DOM artefact). A court expert can open the WARC,
find the record by its ``WARC-Record-ID`` and point at the bytes behind any value.

The JSON written here (``Profile.to_json``, ``posts_json``) is what is stored, as canonical JSON: no
floats (counts are integers, times RFC 3339 text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT_PROFILE = "evidence-kit-social-profile/1"
FORMAT_POSTS = "evidence-kit-social-posts/1"


@dataclass(frozen=True)
class Source:
    """Where one value was read: a response in the capture's WARC, or the rendered DOM artefact."""

    url: str | None = None
    warc_record_id: str | None = None
    css_selector: str | None = None
    json_path: str | None = None
    xpath: str | None = None  # into an XML document (a feed)
    dom: str | None = None  # BLAKE3 of the rendered DOM artefact, when read from it

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Value:
    """One extracted value, the text it was read from, and where."""

    value: Any
    source: Source
    raw: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "source": self.source.to_json()}
        if self.raw is not None and self.raw != self.value:
            out["raw"] = self.raw
        return out


@dataclass(frozen=True)
class Wall:
    """What stopped a logged-out visitor, and the evidence for it. Never evidence that nothing is there."""

    code: str  # login-wall | consent-wall | bot-check | rate-limit | not-found | suspended | private | restricted
    reason: str  # a sentence: what was seen
    evidence: Source

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "reason": self.reason, "evidence": self.evidence.to_json()}


@dataclass(frozen=True)
class Media:
    """A picture, video or file a post or profile shows, and the stored artefact of its bytes.

    ``details`` holds what the page says about it, each with its own source: ``alt`` (the alt text an
    ActivityPub attachment's ``name`` carries), ``media_type``, ``title`` and ``size`` (a Telegram
    document), ``duration`` (a Telegram video), ``sensitive``.
    """

    url: str
    kind: str  # photo | video | thumbnail | document | avatar | header
    source: Source
    blake3: str | None = None  # the stored artefact holding its bytes (from the WARC), when it was loaded
    sha256: str | None = None
    details: dict[str, Value] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "kind": self.kind, "source": self.source.to_json()}
        if self.blake3:
            out["blake3"] = self.blake3
            out["sha256"] = self.sha256
        if self.details:
            out["details"] = {k: v.to_json() for k, v in sorted(self.details.items())}
        return out


@dataclass(frozen=True)
class ProfileField:
    """One name/value field of a profile (Mastodon's PropertyValue), and whether the server verified it.

    ``verified_at`` is the time the account's server last found a ``rel=me`` link back to the profile
    on the linked page (Mastodon's ``fields[].verified_at``): the owner of the link and of the account
    are then the same person, as far as the server could check.
    """

    name: Value
    value: Value
    link: str | None = None  # the URL the value links to, when it is a link
    verified_at: Value | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name.to_json(), "value": self.value.to_json()}
        if self.link:
            out["link"] = self.link
        out["verified_at"] = self.verified_at.to_json() if self.verified_at else None
        return out


@dataclass
class Post:
    id: Value
    permalink: Value | None = None
    published: Value | None = None
    author: Value | None = None
    text: Value | None = None
    reply_to: Value | None = None
    forwarded_from: Value | None = None
    quote_of: Value | None = None  # a quoted post, or the post a boost (ActivityPub Announce) shares
    edited: Value | None = None
    content_warning: Value | None = None  # the warning shown before the text (ActivityPub ``summary``)
    sensitive: Value | None = None  # marked sensitive by its author (media hidden behind a warning)
    # Shown only as the platform's notice (withheld, unavailable to a logged-out visitor): the notice.
    unavailable: Value | None = None
    # pinned by the account above its timeline: an old post shown first (or, once posts are ordered by
    # time, last), which says nothing of how far back the reading went (``history.py``)
    pinned: Value | None = None
    media: list[Media] = field(default_factory=list)
    counts: dict[str, Value] = field(default_factory=dict)  # views, likes, replies, shares

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("id", "permalink", "published", "author", "text", "reply_to", "forwarded_from", "quote_of"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.to_json()
        for name in ("edited", "content_warning", "sensitive", "unavailable", "pinned"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.to_json()
        out["media"] = [m.to_json() for m in self.media]
        out["counts"] = {k: v.to_json() for k, v in sorted(self.counts.items())}
        return out


@dataclass
class Profile:
    """One account as one capture shows it."""

    platform: str
    url: str
    handle: Value | None = None
    account_id: Value | None = None
    display_name: Value | None = None
    bio: Value | None = None
    links: list[Value] = field(default_factory=list)
    fields: list[ProfileField] = field(default_factory=list)  # name/value fields (Mastodon), with verification
    counts: dict[str, Value] = field(default_factory=dict)  # followers, following, posts, …
    avatar: Media | None = None
    header: Media | None = None
    verified: Value | None = None
    created: Value | None = None
    moved_to: Value | None = None
    also_known_as: list[Value] = field(default_factory=list)
    walls: list[Wall] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # sentences about how it was read
    reached_end: bool = False  # the reading saw the account's first post (nothing older is left)

    @property
    def empty(self) -> bool:
        return self.handle is None and self.account_id is None and self.display_name is None and not self.posts

    def status(self) -> str:
        """complete, partial (a wall, or fewer fields), or empty (nothing of the account was served)."""
        if self.empty:
            return "empty"
        return "partial" if self.walls else "complete"

    def key(self) -> str | None:
        """The account's identity across captures: its stable id, else its handle (lower case)."""
        if self.account_id is not None:
            return f"{self.platform}:id:{self.account_id.value}"
        if self.handle is not None:
            return f"{self.platform}:@{str(self.handle.value).lower()}"
        return None


def value_of(item: dict[str, Any] | None) -> Any:
    """The bare value of a stored ``{value, source}`` object (None for None)."""
    return item.get("value") if isinstance(item, dict) else None
