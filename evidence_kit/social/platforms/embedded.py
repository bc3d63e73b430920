"""The ids platforms embed in their pages' scripts and API answers, read with a JSON path."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ..model import Profile, Value
from ..views import View
from .common import Page, find_key, json_docs, json_value, pages, script_value


def script_docs(page: Page) -> Iterator[tuple[Any, Any]]:
    """(script element, JSON) for every <script> whose text is JSON (rehydration data, ld+json, …)."""
    for script in page.root.xpath(".//script"):
        text = (script.text or "").strip()
        if not text or text[0] not in "{[":
            continue
        try:
            yield script, json.loads(text)
        except ValueError:
            continue


def first_key(view: View, key: str, accept: Any = None) -> Value | None:
    """The first value of an object member ``key`` in the page's JSON scripts or the JSON responses."""
    for page in pages(view):
        for script, data in script_docs(page):
            for path, value in find_key(data, key):
                if value not in (None, "") and (accept is None or accept(value)):
                    return script_value(page, script, path, value)
    for response, data in json_docs(view):
        for path, value in find_key(data, key):
            if value not in (None, "") and (accept is None or accept(value)):
                return json_value(response, path, value)
    return None


def regex_in_scripts(view: View, pattern: str) -> Value | None:
    """A value inside script text that is not JSON as a whole (``"userID":"100…"`` in a bundle)."""
    compiled = re.compile(pattern)
    for page in pages(view):
        for script in page.root.xpath(".//script"):
            found = compiled.search(script.text or "")
            if found:
                return page.value(script, found.group(1), found.group(0))
    return None


def fill(profile: Profile, field: str, value: Value | None) -> None:
    if value is not None and getattr(profile, field) is None:
        setattr(
            profile, field, Value(str(value.value) if field != "verified" else value.value, value.source, value.raw)
        )


def count(profile: Profile, name: str, value: Value | None) -> None:
    if value is not None and isinstance(value.value, int) and name not in profile.counts:
        profile.counts[name] = value
