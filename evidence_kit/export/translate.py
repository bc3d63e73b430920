"""The languages of what a bundle says to people: the report and the MLA annexes.

English is the source: every visible string of the templates (``t("…")``) and of the code that prepares
their data (``Translator.text("…")``) is an English message, and it is its own message id. Another
language is one file, ``translations/<code>.json``, mapping each English message to its translation
(``{"Exhibits": "Pièces"}``; ``{name}`` placeholders are kept as they are). Adding a language is adding
that file: ``export --lang <code>`` then offers it. A message a file lacks prints in English and is
counted in ``Translator.missing`` (the export warns about it; tests fail on it).

What a record says (captured text, titles, URLs, names, form fields) is never translated. Dates and
numbers follow the language: in French ``1 décembre 2026 à 14:03:27 UTC`` and ``1 234 567`` (a narrow
no-break space between groups, a decimal comma). English keeps the forms the report always had: RFC 3339
times, exactly as the ledger records them, and ``1,234,567``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from ..errors import InvalidInput

FOLDER = Path(__file__).parent / "translations"
SOURCE = "en"

# How each language writes dates and numbers (a language without an entry here writes them as English does).
MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
DATETIME = {"fr": "{day} {month} {year} à {time} UTC"}
DATE = {"fr": "{day} {month} {year}"}
GROUP = {"en": ",", "fr": "\u202f"}  # French groups digits with a narrow no-break space
DECIMAL = {"en": ".", "fr": ","}


def languages() -> tuple[str, ...]:
    """English and every language with a translation file."""
    return (SOURCE, *sorted(p.stem for p in FOLDER.glob("*.json")))


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    if lang == SOURCE:
        return {}
    if lang not in languages():
        raise InvalidInput(f"--lang must be one of {', '.join(languages())}, not {lang!r}")
    data = json.loads((FOLDER / f"{lang}.json").read_text("utf-8"))
    return {str(k): str(v) for k, v in data.items() if not k.startswith("//")}


@dataclass
class Translator:
    """Translates messages and writes dates and numbers for one language; remembers what it was asked."""

    lang: str = SOURCE
    used: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.messages = catalogue(self.lang)

    def text(self, message: str, **values: Any) -> str:
        """The message in this language (plain text: the template escapes it), ``{name}`` filled in."""
        self.used.add(message)
        translated = message
        if self.lang != SOURCE:
            if message in self.messages:
                translated = self.messages[message]
            else:
                self.missing.add(message)
        return translated.format(**values) if values else translated

    def phrase(self, value: Any) -> Any:
        """A value a record holds: translated only when it is one of the tool's own fixed phrases (the
        default legal basis, the clock note, a capture status) that this language's file translates; anything
        an investigator or a page wrote is shown as recorded."""
        if isinstance(value, str) and value in self.messages:
            self.used.add(value)
            return self.messages[value]
        return value

    def markup(self, message: str, **values: Any) -> Markup:
        """For templates: the message escaped, with values escaped too unless they are markup already
        (:func:`code`), so a translation may place ``<code>`` parts where its language puts them."""
        translated = self.text(message)
        return Markup(escape(translated)).format(**values) if values else Markup(escape(translated))

    def datetime(self, value: Any) -> Any:
        """A recorded RFC 3339 time as this language writes it (seconds kept; the record holds the rest)."""
        if self.lang not in DATETIME or not isinstance(value, str) or "T" not in value:
            return value
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return value
        return DATETIME[self.lang].format(
            day=moment.day,
            month=MONTHS[self.lang][moment.month - 1],
            year=moment.year,
            time=moment.strftime("%H:%M:%S"),
        )

    def date(self, value: Any) -> Any:
        """A date (``YYYY-MM-DD``) as this language writes it."""
        if self.lang not in DATE or not isinstance(value, str):
            return value
        try:
            day = datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            return value
        return DATE[self.lang].format(day=day.day, month=MONTHS[self.lang][day.month - 1], year=day.year)

    def number(self, value: int | float) -> str:
        """``1,234,567`` / ``1 234 567``; a fraction with this language's decimal mark."""
        text = f"{value:,}"
        group, decimal = GROUP.get(self.lang, ","), DECIMAL.get(self.lang, ".")
        return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def code(text: Any) -> Markup:
    """A command or file name set in code type inside a translated sentence."""
    return Markup("<code>{}</code>").format(text)


def strong(text: Any) -> Markup:
    return Markup("<strong>{}</strong>").format(text)


def em(text: Any) -> Markup:
    return Markup("<em>{}</em>").format(text)
