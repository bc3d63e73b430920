"""Failures, walls and warnings said in plain words for a person who does not read error messages.

The library's own sentences stay beside the plain one (they are what the record says); this module only
adds a first sentence in everyday language, chosen by what the library's sentence names.
"""

from __future__ import annotations

from typing import Any

# (words in the library's sentence, what it means for the investigator), first match wins.
PLAIN = [
    ("does not resolve", "The address could not be found: check its spelling, or the site no longer exists."),
    (
        "private or loopback",
        "This address is on a private or local network; tick “allow private addresses” "
        "only when that is the site you mean to capture.",
    ),
    ("server answered 4", "The site refused to show this page (it answered with an error code)."),
    ("server answered 5", "The site had a fault and showed an error page instead of the page."),
    ("had not finished loading", "The page took too long to load: what had arrived was kept; try a longer time limit."),
    ("navigation failed", "The browser could not open the page (no connection, or the site did not answer)."),
    ("main document was blocked", "The page was blocked because it leads to a private address."),
    ("renderer crashed", "The page made the browser crash: what was seen before was kept."),
    ("memory", "The page used too much memory and the capture was stopped: what was seen before was kept."),
    ("login", "The site asks for a login (a wall): only what it shows without one was captured."),
    (
        "wall",
        "The site put a wall in front of the content (login, consent or age check): only what it shows "
        "before the wall was captured.",
    ),
    ("no chromium", "No browser is installed to capture with: run scripts/setup.sh."),
    ("not an investigator", "Your name is not enrolled in this case: ask the case lead to add you."),
    ("signing key", "The signing key of the case's investigator is not on this computer."),
]

STATE_WORDS = {
    "complete": "Captured completely.",
    "partial": "Captured in part: some of the page could not be kept (see below).",
    "failed": "Not captured.",
}


def plain(sentence: str) -> str | None:
    lowered = sentence.lower()
    return next((meaning for words, meaning in PLAIN if words in lowered), None)


def explain_error(message: str) -> str:
    """A library error as one plain sentence followed by the library's own words."""
    meaning = plain(message)
    return f"{meaning} ({message})" if meaning else message


def explain_capture(status: str, errors: list[str], record: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(state, headline, notes) for one finished capture: the record's errors and warnings, each explained."""
    notes = []
    for sentence in [*errors, *record.get("warnings", [])]:
        meaning = plain(sentence)
        notes.append(f"{meaning} — {sentence}" if meaning else sentence)
    headline = STATE_WORDS.get(status, status)
    return status, headline, notes
