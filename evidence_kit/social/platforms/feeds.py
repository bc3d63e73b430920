"""RSS 2.0 and Atom feeds the reader fetched (``<link rel=alternate>``): their items are posts."""

from __future__ import annotations

from typing import Any

from ..model import Post, Profile, Source, Value
from ..views import Response, View
from .common import add_post, set_once

ATOM = "{http://www.w3.org/2005/Atom}"


def _xml(response: Response) -> Any:
    from lxml import etree

    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        return etree.fromstring(response.body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _path(element: Any) -> str:
    return str(element.getroottree().getpath(element))


def read_feeds(profile: Profile, view: View) -> None:
    for response in view.responses:
        if not (response.is_feed or response.body[:200].lstrip().startswith(b"<?xml")) or 300 <= response.status < 400:
            continue
        root = _xml(response)
        if root is None:
            continue

        def v(element: Any, value: Any, response: Response = response) -> Value:
            # An XPath into the feed document: XML has no CSS selectors worth the name.
            return Value(value, Source(url=response.url, warc_record_id=response.record_id, xpath=_path(element)))

        if root.tag == "rss":
            channel = root.find("channel")
            if channel is None:
                continue
            title = channel.find("title")
            if title is not None and title.text:
                set_once(profile, "display_name", v(title, title.text.strip()))
            for item in channel.findall("item"):
                guid, link = item.find("guid"), item.find("link")
                ident = guid if guid is not None and guid.text else link
                if ident is None or not ident.text:
                    continue
                post = Post(id=v(ident, ident.text.strip()))
                if link is not None and link.text:
                    post.permalink = v(link, link.text.strip())
                for tag, field in (("pubDate", "published"), ("description", "text"), ("title", "text")):
                    element = item.find(tag)
                    if element is not None and element.text and getattr(post, field) is None:
                        setattr(post, field, v(element, element.text.strip()))
                add_post(profile, post)
        elif root.tag == f"{ATOM}feed":
            title = root.find(f"{ATOM}title")
            if title is not None and title.text:
                set_once(profile, "display_name", v(title, title.text.strip()))
            for entry in root.findall(f"{ATOM}entry"):
                ident = entry.find(f"{ATOM}id")
                if ident is None or not ident.text:
                    continue
                post = Post(id=v(ident, ident.text.strip()))
                link = entry.find(f"{ATOM}link[@rel='alternate']")
                link = link if link is not None else entry.find(f"{ATOM}link")
                if link is not None and link.get("href"):
                    post.permalink = v(link, link.get("href"))
                for tag, field in (
                    ("published", "published"),
                    ("updated", "edited"),
                    ("content", "text"),
                    ("summary", "text"),
                    ("title", "text"),
                ):
                    element = entry.find(f"{ATOM}{tag}")
                    if element is not None and element.text and getattr(post, field) is None:
                        setattr(post, field, v(element, element.text.strip()))
                add_post(profile, post)
