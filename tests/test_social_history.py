"""What changed between two captures of an account (``social/history.py``), on stored profiles."""

from __future__ import annotations

import io
from typing import Any

from chain_of_custody.ledger import Event
from evidence_kit.social import history
from tests.fixtures.media_files import draw_photo


def val(value: Any) -> dict[str, Any]:
    return {"value": value, "source": {"url": "https://example.org/u"}}


def profile(handle: str, avatar: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "platform": "generic",
        "account": "generic:id:42",
        "status": "complete",
        "account_id": val("42"),
        "handle": val(handle),
        "display_name": val("Jane"),
        "avatar": {"url": "https://example.org/a.png", "blake3": avatar} if avatar else None,
        "capture": {"id": f"cap-{handle}", "started": "2026-03-01T09:00:00Z"},
        "links": [],
        "counts": {},
        **extra,
    }


def post(ident: str, when: str, text: str, media: list[str] = ()) -> dict[str, Any]:
    return {
        "id": val(ident),
        "published": val(when),
        "text": val(text),
        "media": [{"url": m, "blake3": None} for m in media],
    }


def picture(seed: int, kind: str = "PNG", quality: int = 95) -> bytes:
    out = io.BytesIO()
    draw_photo(seed).save(out, kind, **({"quality": quality} if kind == "JPEG" else {}))
    return out.getvalue()


def test_rename_deleted_not_reread_edited_and_avatar(make_case) -> None:  # noqa: ANN001
    case = make_case()
    same_a = case.ingest_bytes(picture(4)).blake3
    same_b = case.ingest_bytes(picture(4, "JPEG", 40)).blake3  # the same picture, re-encoded
    other = case.ingest_bytes(picture(9)).blake3
    old_posts = {
        "posts": [
            post("a", "2026-02-10T00:00:00Z", "new job"),
            post("b", "2026-02-09T00:00:00Z", "gone"),
            post("c", "2026-01-01T00:00:00Z", "old, not read again"),
            post("d", "2026-02-08T00:00:00Z", "photo", ["https://example.org/1.jpg"]),
        ]
    }
    new_posts = {
        "posts": [
            post("e", "2026-02-20T00:00:00Z", "newest"),
            post("a", "2026-02-10T00:00:00Z", "new job, apply now"),
            post("d", "2026-02-08T00:00:00Z", "photo", ["https://example.org/2.jpg"]),
        ]
    }
    event = Event(
        7,
        "2026-03-01T09:00:00Z",
        "A",
        "k",
        "social-profile",
        "C",
        [{"blake3": "blake3:p", "role": "social-profile"}],
        {},
        "",
    )
    diff = history.compare(
        case, (event, profile("jane", same_a), old_posts), (profile("jane_eu", same_b), new_posts, "blake3:q")
    )
    assert diff["changes"] == [{"field": "handle", "before": "jane", "after": "jane_eu"}]  # same picture: no change
    posts = diff["posts"]
    assert [p["id"] for p in posts["new"]] == ["e"]
    assert [p["id"] for p in posts["deleted"]] == ["b"]  # within what was read again (back to 02-08)
    assert [p["id"] for p in posts["not_reread"]] == ["c"]  # older than anything the new capture read
    assert [(p["id"], p["text_after"]) for p in posts["edited"]] == [("a", "new job, apply now"), ("d", "photo")]
    assert diff["from"] == {
        "capture_id": "cap-jane",
        "captured": "2026-03-01T09:00:00Z",
        "profile": "blake3:p",
        "event": 7,
    }
    assert "renamed: @jane -> @jane_eu (same account id)" in history.sentences(diff)

    changed = history.compare(
        case, (event, profile("jane", same_a), old_posts), (profile("jane", other), new_posts, "q")
    )
    (avatar,) = [c for c in changed["changes"] if c["field"] == "avatar"]
    assert avatar["how"].startswith("another picture (pHash")


def test_a_capture_that_reached_the_first_post_calls_every_missing_post_deleted(make_case) -> None:  # noqa: ANN001
    case = make_case()
    event = Event(3, "t", "A", "k", "social-profile", "C", [], {}, "")
    old = {"posts": [post("1", "2025-01-01T00:00:00Z", "first"), post("2", "2026-01-01T00:00:00Z", "second")]}
    new = {"posts": [post("2", "2026-01-01T00:00:00Z", "second")]}
    reached = history.compare(case, (event, profile("x", None), old), (profile("x", None, reached_end=True), new, "q"))
    assert [p["id"] for p in reached["posts"]["deleted"]] == ["1"] and reached["posts"]["not_reread"] == []
    short = history.compare(case, (event, profile("x", None), old), (profile("x", None), new, "q"))
    assert short["posts"]["deleted"] == [] and [p["id"] for p in short["posts"]["not_reread"]] == ["1"]


def test_a_pinned_old_post_does_not_make_the_unread_posts_deleted(make_case) -> None:  # noqa: ANN001
    """The new capture read only the pinned post (2024) and the two newest: the posts below them that it
    never scrolled down to are not re-read, not deleted."""
    case = make_case()
    event = Event(3, "t", "A", "k", "social-profile", "C", [], {}, "")
    pinned = post("1", "2024-05-01T00:00:00Z", "pinned: casting 2024")
    old = {
        "posts": [
            pinned,
            post("5", "2026-02-05T00:00:00Z", "five"),
            post("4", "2026-02-04T00:00:00Z", "four"),
            post("3", "2026-02-03T00:00:00Z", "three"),
            post("2", "2026-02-02T00:00:00Z", "two"),
        ]
    }
    new = {"posts": [pinned, post("6", "2026-02-06T00:00:00Z", "six"), post("5", "2026-02-05T00:00:00Z", "five")]}
    diff = history.compare(case, (event, profile("x", None), old), (profile("x", None), new, "q"))
    assert diff["posts"]["deleted"] == []
    assert [p["id"] for p in diff["posts"]["not_reread"]] == ["4", "3", "2"]
    # A post between the newest and the end of the new reading that is missing was deleted.
    new["posts"].append(post("3", "2026-02-03T00:00:00Z", "three"))
    diff = history.compare(case, (event, profile("x", None), old), (profile("x", None), new, "q"))
    assert [p["id"] for p in diff["posts"]["deleted"]] == ["4"]
    assert [p["id"] for p in diff["posts"]["not_reread"]] == ["2"]


def test_a_post_shown_only_as_a_notice_is_unavailable_not_edited_nor_deleted(make_case) -> None:  # noqa: ANN001
    """X's tombstone ("This Post is unavailable") in place of a post read before is neither an edit of
    the post nor its deletion; a notice read again as the post is readable again."""
    case = make_case()
    event = Event(3, "t", "A", "k", "social-profile", "C", [], {}, "")
    notice = "This Post is from an account that no longer exists."

    def hidden(ident: str, when: str) -> dict[str, Any]:
        return {**post(ident, when, notice), "unavailable": val(notice)}

    old = {"posts": [post("2", "2026-01-02T00:00:00Z", "casting"), hidden("1", "2026-01-01T00:00:00Z")]}
    new = {"posts": [hidden("2", "2026-01-02T00:00:00Z"), post("1", "2026-01-01T00:00:00Z", "back")]}
    diff = history.compare(case, (event, profile("x", None), old), (profile("x", None), new, "q"))
    posts = diff["posts"]
    assert posts["edited"] == [] and posts["deleted"] == [] and posts["new"] == []
    assert [(p["id"], p["notice"]) for p in posts["unavailable"]] == [("2", notice)]
    assert [(p["id"], p["notice_before"]) for p in posts["shown_again"]] == [("1", notice)]
    said = history.sentences(diff)
    assert any(s.startswith("1 post(s) shown only as the platform's notice") and s.endswith(": 2") for s in said)
    assert history.summary(diff)["unavailable"] == 1 and history.summary(diff)["edited"] == 0
