"""Walls are what the site says, not what the account posts (issue 12 review): a post reading "private
account? no! please log in to see the offer" or showing captcha-meme.jpg must not make the capture a
login wall, a private account or a bot check; the same words outside the posts still do."""

from __future__ import annotations

import pytest

from evidence_kit.social import registry, walls
from evidence_kit.social.platforms import generic, telegram

POST = (
    "Private account? No! Please log in to see the full offer. Profile not found elsewhere, "
    "account suspended on VK. <img src='/captcha-meme.jpg'>"
)
CHANNEL = (
    "<html><head><title>Star Models</title></head><body><div class=tgme_channel_info>"
    "<div class=tgme_channel_info_header_title>Star Models</div></div>{content}</body></html>"
)


def test_words_in_a_post_are_no_wall() -> None:
    html = CHANNEL.format(
        content=f"<div class='tgme_widget_message js-widget_message' data-post='starmodels/12'><div>{POST}</div></div>"
    )
    url = "https://t.me/s/starmodels"
    assert walls.check(url, url, 200, html, telegram.WALLS, posts_css=telegram.POSTS_CSS) == []
    blog = f"<html><body><h1>Anna</h1><article class=h-entry><p>{POST}</p></article></body></html>"
    assert walls.check("https://x.test/anna", None, 200, blog, generic.WALLS, posts_css=generic.POSTS_CSS) == []


def test_the_same_words_outside_the_posts_are_a_wall() -> None:
    html = CHANNEL.format(content=f"<div class=tgme_page_extra>{POST}</div>")
    url = "https://t.me/s/starmodels"
    codes = {w.code for w in walls.check(url, url, 200, html, telegram.WALLS, posts_css=telegram.POSTS_CSS)}
    assert {"login-wall", "private", "not-found", "suspended", "bot-check"} <= codes
    # An element that is not a post (no data-post) is read as the page's own words.
    fake = CHANNEL.format(content=f"<div class=tgme_widget_message><div>{POST}</div></div>")
    assert walls.check(url, url, 200, fake, telegram.WALLS, posts_css=telegram.POSTS_CSS)


@pytest.mark.parametrize("platform", registry.PLATFORMS, ids=lambda p: p.NAME)
def test_every_platforms_post_selector_is_understood(platform: object) -> None:
    assert walls._css_xpath(platform.POSTS_CSS)  # type: ignore[attr-defined]
