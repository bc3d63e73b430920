"""What stops a logged-out visitor: login and consent walls, bot checks, rate limits, missing, suspended,
private and restricted accounts.

A wall is never evidence of absence. It is recognised, said in plain words, and kept: the capture is
marked ``partial`` with the wall's code (the reader adds the sentence to the capture's errors while the
page is open, ``reader.py``), and the Profile lists it with the evidence it was recognised by (the
redirect, the status code, the element). The same rule runs on the live page and on the stored DOM.

Recognised by, in this order: the platform's own markers (each platform module's ``WALLS``), the status
code, the redirect target, and a generic test (a challenge title or captcha widget, a password field,
"log in to continue" phrases, "account not found" phrases).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from .model import Source, Wall
from .views import css_path, parse_html

CODES = (
    "login-wall",
    "consent-wall",
    "bot-check",
    "rate-limit",
    "not-found",
    "suspended",
    "private",
    "restricted",
)
PLAIN = {
    "login-wall": "the site asked the visitor to log in before it would show the account",
    "consent-wall": "the site showed a consent wall instead of the account",
    "bot-check": "the site answered with a bot check or captcha instead of the account",
    "rate-limit": "the site refused to answer more requests for now (rate limit)",
    "not-found": "the site said the account does not exist (or no longer does)",
    "suspended": "the site said the account is suspended",
    "private": "the account is private: its posts are shown only to approved followers",
    "restricted": "the site restricts this account for logged-out visitors",
}


@dataclass(frozen=True)
class Marker:
    """One sign of a wall: a final-URL pattern, a status code, or a pattern in the markup."""

    code: str
    reason: str
    url: str | None = None  # regex on the final URL (a redirect target)
    status: tuple[int, ...] = ()
    html: str | None = None  # regex on the markup (case-insensitive)
    xpath: str | None = None  # an element that must be there


STATUS = (
    Marker("not-found", "the server answered 404 Not Found", status=(404,)),
    Marker("not-found", "the server answered 410 Gone", status=(410,)),
    Marker("rate-limit", "the server answered 429 Too Many Requests", status=(429,)),
    Marker("restricted", "the server answered 451 Unavailable For Legal Reasons", status=(451,)),
)
GENERIC = (
    Marker("login-wall", "redirected to a login page", url=r"/(login|signin|sign_in|accounts/login|auth/login)\b"),
    Marker("consent-wall", "redirected to a consent page", url=r"(^https?://consent\.|/consent\b|/privacy-consent)"),
    Marker(
        "bot-check",
        "the page is a bot check (challenge title)",
        xpath=".//title[re:test(string(.), "
        "'just a moment|attention required|are you (a )?(robot|human)|verify you are human|security check"
        "|checking your browser|captcha|ddos-guard', 'i')]",
    ),
    Marker(
        "bot-check",
        "the page holds a captcha widget",
        xpath=".//*[contains(@class, 'g-recaptcha') or contains(@class, 'h-captcha')"
        " or contains(@class, 'cf-turnstile') or @id='challenge-form' or @id='cf-challenge-running'"
        " or contains(@src, 'captcha')]",
    ),
    Marker(
        "consent-wall",
        "the page is a consent form (title)",
        xpath=".//title[re:test(string(.), 'before you continue|your privacy choices|consent', 'i')]",
    ),
    Marker("suspended", "the page says the account is suspended", html=r"\b(account|user) (has been |is )?suspended\b"),
    Marker(
        "not-found",
        "the page says the account does not exist",
        html=r"(this account doesn.?t exist|account not found|user not found|this page isn.?t available"
        r"|page not found|no such (user|account)|profile (is )?not found|страница не найдена)",
    ),
    Marker(
        "private",
        "the page says the account is private",
        html=r"(this account is private|this profile is private|private account|закрытый профиль|закрытая страница)",
    ),
    Marker(
        "restricted",
        "the page says the account is age-restricted or restricted",
        html=r"(age.restricted|confirm your age|restricted (account|profile|channel)|sensitive content warning)",
    ),
    Marker(
        "login-wall",
        "the page asks the visitor to log in to continue",
        html=r"(log ?in to (continue|see|view)|sign ?in to (continue|see|view)|you must (log|sign) ?in"
        r"|login required|войдите,? чтобы|please log in)",
    ),
    Marker(
        "login-wall",
        "the page shows a password field",
        xpath=".//input[translate(@type, 'PASWORD', 'pasword')='password']",
    ),
)
NS = {"re": "http://exslt.org/regular-expressions"}
TEXT_LIMIT = 400_000  # characters of a page the phrase tests read


def check(
    url: str,
    final_url: str | None,
    status: int | None,
    html: str | None,
    markers: tuple[Marker, ...] = (),
    source: Source | None = None,
    posts_css: str = "",
) -> list[Wall]:
    """The walls a page shows: its platform's markers first, then status code, redirect and generic signs.

    ``source`` is where the markup was read (the DOM artefact or a WARC record); an element's evidence
    adds its CSS selector to it. One wall per code, first sign wins. The generic signs are not looked
    for inside the account's posts (``posts_css``, the platform's ``POSTS_CSS``): a post saying "private
    account? DM me" or showing a picture named captcha.jpg is what the account posted, not a wall.
    """
    found: dict[str, Wall] = {}
    base = source or Source(url=final_url or url)
    root = parse_html(html) if html else None
    in_posts = _css_xpath(posts_css)
    body_text = _visible(root, in_posts)[:TEXT_LIMIT] if root is not None else ""
    full_text = _visible(root)[:TEXT_LIMIT] if root is not None and markers else ""
    generic = set(GENERIC)
    for marker in (*markers, *STATUS, *GENERIC):
        if marker.code in found:
            continue
        evidence: Source | None = None
        if marker.status:
            if status in marker.status:
                evidence = base
        elif marker.url:
            target = final_url or ""
            if target and target != url and re.search(marker.url, target, re.I):
                evidence = Source(url=target)
        elif marker.xpath and root is not None:
            hits = root.xpath(marker.xpath, namespaces=NS)
            if marker in generic and in_posts:
                hits = [hit for hit in hits if not hit.xpath(f"ancestor-or-self::*[{in_posts}]")]
            if hits:
                evidence = _with(base, css_path(hits[0]))
        elif marker.html:
            text = body_text if marker in generic else full_text
            if text and re.search(marker.html, text, re.I):
                evidence = base
        if evidence is not None:
            found[marker.code] = Wall(marker.code, marker.reason, evidence)
    return list(found.values())


def _with(source: Source, selector: str) -> Source:
    return replace(source, css_selector=selector)


def _visible(root: Any, leave_out: str = "") -> str:
    """The page's visible words (no scripts or styles), without the elements ``leave_out`` (an XPath
    predicate) selects."""
    import copy

    clone = copy.deepcopy(root)
    for bad in clone.xpath(".//script|.//style|.//noscript|.//template"):
        bad.drop_tree()
    if leave_out:
        for post in clone.xpath(f".//*[{leave_out}][not(ancestor::*[{leave_out}])]"):
            post.drop_tree()
    return " ".join(clone.text_content().split())


_CSS_PART = re.compile(r"\.([\w-]+)|#([\w-]+)|\[([\w-]+)(?:([*^$~]?=)['\"]([^'\"]*)['\"])?\]")


def _css_xpath(css: str) -> str:
    """An XPath predicate for the simple CSS selectors platforms give as ``POSTS_CSS`` (a list of
    ``tag``, ``.class``, ``#id``, ``[attr]`` and ``[attr=|*=|^=|$=|~='v']`` compounds); ValueError for more."""
    alternatives = []
    for selector in (part.strip() for part in css.split(",") if part.strip()):
        tag = re.match(r"[a-zA-Z][\w-]*", selector)
        tests = [f"local-name()='{tag.group().lower()}'"] if tag else []
        rest = selector[tag.end() :] if tag else selector
        for match in _CSS_PART.finditer(rest):
            cls, ident, attr, op, value = match.groups()
            if cls:
                tests.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')")
            elif ident:
                tests.append(f"@id='{ident}'")
            elif not op:
                tests.append(f"@{attr}")
            elif op == "=":
                tests.append(f"@{attr}='{value}'")
            elif op == "*=":
                tests.append(f"contains(@{attr}, '{value}')")
            elif op == "^=":
                tests.append(f"starts-with(@{attr}, '{value}')")
            elif op == "$=":
                tests.append(f"substring(@{attr}, string-length(@{attr}) - {len(value) - 1})='{value}'")
            else:
                tests.append(f"contains(concat(' ', normalize-space(@{attr}), ' '), ' {value} ')")
        if not tests or "".join(m.group() for m in _CSS_PART.finditer(rest)) != rest:
            raise ValueError(f"not a simple CSS selector: {selector!r}")
        alternatives.append("(" + " and ".join(tests) + ")")
    return " or ".join(alternatives)


def sentence(walls: list[Wall]) -> str:
    """The walls in plain words, for the summary and the capture's errors."""
    return "; ".join(f"{w.code}: {PLAIN.get(w.code, w.code)} ({w.reason})" for w in walls)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
