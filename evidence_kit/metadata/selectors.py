"""Selectors: the identifiers investigators pivot on (phones, e-mails, handles, wallets, IBANs, URLs).

Everything here is a pure function of text: no I/O, no case, so it is property-tested with hypothesis.
A selector is kept only when it validates: phone numbers must be valid for their region
(``phonenumbers`` VALID leniency), wallets must pass their checksum, IBANs mod-97. A false selector in
an evidence report sends an investigator after the wrong person.

>>> [(s.kind, s.value) for s in extract_text("Call +359 88 123 4567", "BG")]
[('phone', '+359881234567')]
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from . import public_suffix
from .crypto import base58check_decode, bech32_decode_segwit, eip55, iban_valid

KINDS = (
    "phone",
    "whatsapp",
    "viber",
    "signal",
    "telegram",
    "instagram",
    "tiktok",
    "x",
    "facebook",
    "handle",
    "account",  # a recorded social-media account: "<platform>:id:<id>" or "<platform>:@<handle>"
    "email",
    "url",
    "domain",
    "bitcoin",
    "ethereum",
    "tron",
    "iban",
    "gps",
)


@dataclass(frozen=True)
class Selector:
    kind: str  # one of KINDS
    value: str  # normalised: E.164, lower-case e-mail, "@handle", checksummed address, compact IBAN
    raw: str  # as it appeared
    context: str = ""  # the text around it (for the report and the search snippet)
    source: str = "text"  # text | link | attribute | metadata

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "value": self.value,
            "raw": self.raw,
            "context": self.context,
            "source": self.source,
        }


CONTEXT = 40

# Words before a number that make it an order, reference or id number rather than a phone.
_NOT_PHONE_BEFORE = re.compile(
    r"(order|invoice|ref(erence)?|id|no\.?|nr\.?|№|#|код|поръчка|номер на поръчка|фактура|заявка|"
    r"bestell|rechnung|commande|pedido|factura|zamówienie|sipariş|iban|account|сметка|isbn|sku|art\.?)"
    r"\s*[:.]?\s*$",
    re.IGNORECASE,
)

_PLATFORM_WORDS = {
    "telegram": r"telegram|телеграм|телеграмм|tg\b|тг\b",
    "whatsapp": r"whats\s?app|уатсап|вотсап|ватсап|вацап|wa\b",
    "viber": r"viber|вайбър|вайбер",
    "signal": r"signal|сигнал",
    "instagram": r"instagram|insta\b|инстаграм|ig\b",
    "tiktok": r"tik\s?tok|тикток",
    "x": r"twitter|туитър|\bx\b",
    "facebook": r"facebook|фейсбук|fb\b",
}
_PLATFORM_RE = {kind: re.compile(rf"(?:{words})", re.IGNORECASE) for kind, words in _PLATFORM_WORDS.items()}
_MESSENGER_KINDS = ("whatsapp", "viber", "signal", "telegram")

_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9._%+-]{1,64})@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24})(?![\w-])"
)
# "name [at] domain [dot] com": ads obfuscate addresses against scrapers.
_EMAIL_OBFUSCATED = re.compile(
    r"(?<![\w.])([A-Za-z0-9._%+-]{1,64})\s*[\[(]\s*(?:at|@)\s*[\])]\s*([A-Za-z0-9-]{1,63}"
    r"(?:\s*[\[(]\s*(?:dot|\.)\s*[\])]\s*[A-Za-z0-9-]{1,63})+)",
    re.IGNORECASE,
)
_URL = re.compile(r"\b((?:https?|ftp)://[^\s<>\"'`]+|www\.[^\s<>\"'`]+)", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,30}[A-Za-z0-9_])?)(?![\w@])")
_BTC_BASE58 = re.compile(r"(?<![A-Za-z0-9])([13][1-9A-HJ-NP-Za-km-z]{25,34})(?![A-Za-z0-9])")
_BTC_BECH32 = re.compile(r"(?<![A-Za-z0-9])((?:bc|BC)1[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71})(?![A-Za-z0-9])")
_ETH = re.compile(r"(?<![A-Za-z0-9])(0x[0-9a-fA-F]{40})(?![0-9a-zA-Z])")
_TRON = re.compile(r"(?<![A-Za-z0-9])(T[1-9A-HJ-NP-Za-km-z]{33})(?![A-Za-z0-9])")
IBAN_MIN, IBAN_MAX = 15, 34  # ISO 13616: Norway's 15 characters up to the 34 the standard allows
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}\d{2})")

_TRAILING_PUNCT = ".,;:!?)]}>'\"»”’"

# Paths on social sites that are pages, not accounts.
_RESERVED_PATHS = {
    "share",
    "sharer",
    "sharer.php",
    "intent",
    "home",
    "explore",
    "login",
    "signup",
    "search",
    "hashtag",
    "p",
    "reel",
    "reels",
    "tv",
    "stories",
    "watch",
    "i",
    "settings",
    "privacy",
    "about",
    "help",
    "tag",
    "joinchat",
    "addstickers",
    "s",
    "c",
    "policies",
    "legal",
    "terms",
    "accounts",
    "direct",
    "dialog",
    "plugins",
    "groups",
    "pages",
    "events",
    "video",
    "music",
    "discover",
    "status",
    "messages",
}
_SOCIAL_HOSTS = {
    "t.me": "telegram",
    "telegram.me": "telegram",
    "telegram.dog": "telegram",
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "x.com": "x",
    "twitter.com": "x",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "m.facebook.com": "facebook",
}


def _context(text: str, start: int, end: int) -> str:
    left = text[max(0, start - CONTEXT) : start]
    right = text[end : end + CONTEXT]
    return " ".join((left + text[start:end] + right).split())


def _line_before(text: str, start: int, width: int = 40) -> str:
    before = text[max(0, start - width) : start]
    return before.rsplit("\n", 1)[-1]


def _platform_in(before: str) -> str | None:
    """The platform named last in the text just before a selector, if any."""
    best: tuple[int, str] | None = None
    for kind, pattern in _PLATFORM_RE.items():
        for match in pattern.finditer(before):
            if best is None or match.start() > best[0]:
                best = (match.start(), kind)
    return best[1] if best else None


def normalise_phone(raw: str, region: str | None = None) -> str | None:
    """E.164 for a phone number in any common notation, or None when it is not a valid number.

    ``00`` is the international prefix of most of the world (ITU-T E.164 Annex), and a trunk ``(0)``
    written after the country code is dialled only at home: ``0044 (0)20 7946 0958`` is +44 20 7946 0958
    whatever the case's region.

    >>> normalise_phone("0044 (0)20 7946 0958"), normalise_phone("(0044) 20-7946-0958")
    ('+442079460958', '+442079460958')
    """
    raw = _international(raw.strip()) or raw.strip()
    try:
        number = phonenumbers.parse(raw, (region or "ZZ").upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


# A number written for dialling from abroad: "+44", "0044", "(+44)", "(0044)", then perhaps the trunk "(0)".
_INTERNATIONAL = re.compile(
    r"(?<![\w+])(\(?(?:\+|00)[1-9]\d{0,2}\)?(?:[ \t.\-/]*\(0\))?(?:[ \t.\-/]*\(?\d[\d]*\)?){2,9})(?![\w])"
)


def _international(raw: str) -> str | None:
    """``+CC…`` for a number written with ``+``/``00`` and perhaps a trunk ``(0)``; None otherwise."""
    compact = re.sub(r"[\s.\-/]", "", raw)
    match = re.fullmatch(r"\(?(\+|00)([1-9]\d{0,2})\)?(\(0\))?(.*)", compact)
    if not match or compact.startswith("000"):
        return None
    rest = match.group(4).replace("(", "").replace(")", "")
    if not rest.isdigit():
        return None
    return "+" + match.group(2) + rest


# A chat or a mailbox names the same few numbers thousands of times: each is validated once.
@functools.lru_cache(maxsize=1 << 16)
def _valid_international(candidate: str) -> str | None:
    """E.164 of a ``+CC…`` candidate that is a valid number, else None."""
    try:
        number = phonenumbers.parse(candidate, "ZZ")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def international_phones_in(text: str) -> list[Selector]:
    """Numbers written for dialling from abroad (``+``, ``00``, a trunk ``(0)``), read without a region."""
    found: list[Selector] = []
    for match in _INTERNATIONAL.finditer(text):
        raw = match.group(1).rstrip(" .-/")
        if raw.startswith("(") and raw.count("(") > raw.count(")"):
            raw = raw[1:]
        if _NOT_PHONE_BEFORE.search(_line_before(text, match.start(), 30)):
            continue
        candidate = _international(raw)
        value = None if candidate is None else _valid_international(candidate)
        if value is None:
            continue
        end = match.start() + len(raw)
        context = _context(text, match.start(), end)
        found.append(Selector("phone", value, raw, context))
        for platform in _messengers_around(text, match.start(), end):
            found.append(Selector(platform, value, raw, context))
    return found


def _looks_like_date_or_amount(raw: str, after: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    if re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", raw.strip()) or re.fullmatch(
        r"\d{4}[./-]\d{1,2}[./-]\d{1,2}", raw.strip()
    ):
        return True
    # A currency right after the number makes it a price ("1 200 лв", "2 500 000 EUR").
    if re.match(
        r"\s*(лв|lv|bgn|eur|€|\$|usd|gbp|£|руб|rub|zł|pln|lei|ron|kč|czk|ft|huf|лева|euro)",
        after,
        re.IGNORECASE,
    ):
        return True
    return len(digits) < 7


def phones_in(text: str, region: str | None = None) -> list[Selector]:
    found = international_phones_in(text)
    # What was read as international is not read again with the case's region.
    text = _mask(text, [s.raw for s in found])
    matcher = PhoneNumberMatcher(text, (region or "ZZ").upper(), leniency=Leniency.VALID)
    for match in matcher:
        raw = match.raw_string
        before = _line_before(text, match.start, 30)
        after = text[match.end : match.end + 8]
        if _NOT_PHONE_BEFORE.search(before) or _looks_like_date_or_amount(raw, after):
            continue
        # Digits glued to the match on either side mean it was cut out of a longer number.
        if (match.start > 0 and text[match.start - 1].isalnum()) or (
            match.end < len(text) and text[match.end].isalnum()
        ):
            continue
        value = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
        context = _context(text, match.start, match.end)
        found.append(Selector("phone", value, raw, context))
        for platform in _messengers_around(text, match.start, match.end):
            found.append(Selector(platform, value, raw, context))
    return found


def _messengers_around(text: str, start: int, end: int) -> list[str]:
    """Messengers named next to a number on its line ("Viber: 0888…", "0888… (WhatsApp/Viber)").

    Only the words between this number and the previous or next one count, so "Viber 0887…, tel 0888…"
    does not make the second number a Viber account.
    """
    before = re.split(r"\d[\d\s().-]{5,}\d|@\w+", _line_before(text, start, 40))[-1]
    after = re.split(r"\d|@\w+|\n", text[end : end + 25])[0]
    return [kind for kind in _MESSENGER_KINDS if _PLATFORM_RE[kind].search(before) or _PLATFORM_RE[kind].search(after)]


def _clean_url(raw: str) -> str:
    while raw and raw[-1] in _TRAILING_PUNCT:
        if raw[-1] == ")" and raw.count("(") >= raw.count(")"):
            break
        raw = raw[:-1]
    return raw


def host_of(url: str) -> str | None:
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
        url = "http://" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    try:
        return host.encode("idna").decode("ascii").lower() if not host.isascii() else host.lower()
    except UnicodeError:
        return host.lower()


def load_suffix_list() -> None:
    """Read the bundled Public Suffix List now (once per process), not at the first domain."""
    public_suffix.load()


@functools.lru_cache(maxsize=1 << 16)
def registrable_domain(host: str) -> str:
    """The domain someone registered: ``shop.example.co.uk`` → ``example.co.uk``.

    An IP address is itself; a name under a suffix the list does not know (``.example``, ``.test``,
    ``.local``) is its last two labels.

    >>> registrable_domain("www.star-models.co.uk"), registrable_domain("a.b.example.com.bg")
    ('star-models.co.uk', 'example.com.bg')
    >>> registrable_domain("www.star-models.example"), registrable_domain("127.0.0.1")
    ('star-models.example', '127.0.0.1')
    """
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    found = public_suffix.split(host)[2]  # private suffixes count: two blogs on blogspot.com are two sites
    if found:
        return str(found)
    return ".".join(host.split(".")[-2:])


def link_selectors(href: str, region: str | None = None, context: str = "", source: str = "link") -> list[Selector]:
    """Selectors a link itself names: tel:, wa.me, viber:, t.me, social profiles, mailto:, the URL.

    A malformed link (an unclosed IPv6 bracket, a bad port) names nothing rather than stopping a describe.
    """
    try:
        return _link_selectors(href, region, context, source)
    except ValueError:
        return []


def _link_selectors(href: str, region: str | None = None, context: str = "", source: str = "link") -> list[Selector]:
    """Selectors a link itself names: tel:, wa.me, viber:, t.me, social profiles, mailto:, the URL."""
    href = href.strip()
    if not href:
        return []
    lower = href.lower()
    out: list[Selector] = []
    if lower.startswith("tel:") or lower.startswith("callto:") or lower.startswith("sms:"):
        number = unquote(href.split(":", 1)[1]).split("?")[0].split(";")[0]
        value = normalise_phone(number, region)
        if value:
            out.append(Selector("phone", value, href, context, source))
        return out
    if lower.startswith("mailto:"):
        address = unquote(href[7:].split("?")[0]).strip()
        for part in address.split(","):
            if _EMAIL.fullmatch(part.strip()):
                out.append(Selector("email", part.strip().lower(), href, context, source))
        return out
    if lower.startswith("viber:"):
        query = parse_qs(urlsplit(href).query)
        number = (query.get("number") or query.get("phone") or [""])[0].strip()
        value = normalise_phone(number, region)
        if value is None and number.isdigit():  # Viber writes the number international, without "+"
            value = normalise_phone("+" + number, None)
        if value:
            out += [
                Selector("viber", value, href, context, source),
                Selector("phone", value, href, context, source),
            ]
        return out
    if lower.startswith("tg:"):
        query = parse_qs(urlsplit(href).query)
        name = (query.get("domain") or [""])[0]
        if re.fullmatch(r"[A-Za-z0-9_]{4,32}", name):
            out.append(Selector("telegram", "@" + name.lower(), href, context, source))
        return out
    if lower.startswith("sgnl:"):
        return out
    if not re.match(r"^(https?:)?//", lower) and not lower.startswith("www."):
        return out
    host = host_of(href if not href.startswith("//") else "http:" + href)
    if host is None:
        return out
    out.append(Selector("url", href, href, context, source))
    out.append(Selector("domain", registrable_domain(host), href, context, source))
    parts = urlsplit(href if "://" in href else "http://" + href.lstrip("/"))
    path = [unquote(p) for p in parts.path.split("/") if p]
    query = parse_qs(parts.query)
    site = host[4:] if host.startswith("www.") else host  # platforms are matched on their own host names
    if site in ("wa.me", "api.whatsapp.com", "web.whatsapp.com", "whatsapp.com", "chat.whatsapp.com"):
        number = path[0] if site == "wa.me" and path else (query.get("phone") or [""])[0]
        value = normalise_phone("+" + re.sub(r"\D", "", number), None) if number else None
        if value:
            out += [
                Selector("whatsapp", value, href, context, source),
                Selector("phone", value, href, context, source),
            ]
    elif site == "signal.me":
        fragment = unquote(parts.fragment)
        if fragment.startswith("p/"):
            value = normalise_phone(fragment[2:], None)
            if value:
                out += [
                    Selector("signal", value, href, context, source),
                    Selector("phone", value, href, context, source),
                ]
    elif site in _SOCIAL_HOSTS and path:
        kind = _SOCIAL_HOSTS[site]
        name = path[0]
        if kind == "tiktok":
            if not name.startswith("@"):
                return out
            name = name[1:]
        name = name.lstrip("@")
        if kind == "telegram" and name.startswith("+"):
            # t.me/+<digits> opens the account of that phone number; t.me/+<letters> is an invite link.
            value = normalise_phone(name, None) if name[1:].isdigit() else None
            if value:
                out += [
                    Selector("telegram", value, href, context, source),
                    Selector("phone", value, href, context, source),
                ]
            return out
        if name.lower() in _RESERVED_PATHS or not re.fullmatch(r"[A-Za-z0-9_.]{2,64}", name):
            return out
        if kind == "facebook" and name.lower() == "profile.php":
            ids = query.get("id")
            if not ids:
                return out
            name = ids[0]
        out.append(Selector(kind, "@" + name.lower(), href, context, source))
    return out


def _btc(raw: str) -> str | None:
    if raw[:3].lower() == "bc1":
        try:
            bech32_decode_segwit("bc", raw)
        except ValueError:
            return None
        return raw.lower()
    try:
        version, payload = base58check_decode(raw)
    except ValueError:
        return None
    return raw if version in (0x00, 0x05) and len(payload) == 20 else None


def _eth(raw: str) -> str | None:
    hex_part = raw[2:]
    checksummed = eip55(raw)
    # EIP-55: an all-lower or all-upper address carries no checksum; mixed case must match it exactly.
    if hex_part != hex_part.lower() and hex_part != hex_part.upper() and checksummed != raw:
        return None
    return checksummed


def _tron(raw: str) -> str | None:
    try:
        version, payload = base58check_decode(raw)
    except ValueError:
        return None
    return raw if version == 0x41 and len(payload) == 20 else None


def wallets_in(text: str) -> list[Selector]:
    out: list[Selector] = []
    for pattern, kind, check in (
        (_BTC_BASE58, "bitcoin", _btc),
        (_BTC_BECH32, "bitcoin", _btc),
        (_ETH, "ethereum", _eth),
        (_TRON, "tron", _tron),
    ):
        for match in pattern.finditer(text):
            value = check(match.group(1))
            if value:
                out.append(Selector(kind, value, match.group(1), _context(text, match.start(), match.end())))
    return out


def ibans_in(text: str) -> list[Selector]:
    """IBANs written compact or in groups of four; the country's format fixes the length, mod-97 decides."""
    out = []
    taken_until = 0
    for match in _IBAN_START.finditer(text):
        if match.start() < taken_until:
            continue
        compact, ends, position = "", [], match.start()
        while position < len(text) and len(compact) < IBAN_MAX:
            char = text[position]
            if char.isascii() and char.isalnum():
                compact += char
                ends.append(position + 1)
            elif not (char == " " and position + 1 < len(text) and text[position + 1] != " "):
                break
            position += 1
        for length in range(len(compact), IBAN_MIN - 1, -1):
            end = ends[length - 1]
            followed_on = end < len(text) and text[end].isascii() and text[end].isalnum()
            if not followed_on and iban_valid(compact[:length]):
                raw = text[match.start() : end]
                out.append(Selector("iban", compact[:length].upper(), raw, _context(text, match.start(), end)))
                taken_until = end
                break
    return out


def emails_in(text: str) -> list[Selector]:
    out = []
    for match in _EMAIL.finditer(text):
        value = f"{match.group(1)}@{match.group(2)}".lower()
        if match.group(1).startswith(".") or ".." in match.group(1):
            continue
        out.append(Selector("email", value, match.group(0), _context(text, match.start(), match.end())))
    for match in _EMAIL_OBFUSCATED.finditer(text):
        domain = re.sub(r"\s*[\[(]\s*(?:dot|\.)\s*[\])]\s*", ".", match.group(2), flags=re.IGNORECASE)
        value = f"{match.group(1)}@{domain}".lower()
        if _EMAIL.fullmatch(value):
            out.append(Selector("email", value, match.group(0), _context(text, match.start(), match.end())))
    return out


def handles_in(text: str) -> list[Selector]:
    """@handles; attributed to a platform only when the words just before name one."""
    out = []
    for match in _HANDLE.finditer(text):
        name = match.group(1)
        if name.isdigit():
            continue
        # The platform must be named in the same sentence on the same line, just before the handle.
        platform = _platform_in(re.split(r"[.!?;]\s", _line_before(text, match.start(), 60))[-1])
        kind = platform if platform and platform not in ("whatsapp", "viber") else "handle"
        if kind == "telegram" and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{4,31}", name):
            kind = "handle"  # Telegram usernames: 5-32 characters, letters first
        out.append(Selector(kind, "@" + name.lower(), match.group(0), _context(text, match.start(), match.end())))
    return out


def urls_in(text: str, region: str | None = None) -> list[Selector]:
    out = []
    for match in _URL.finditer(text):
        raw = _clean_url(match.group(1))
        context = _context(text, match.start(), match.start() + len(raw))
        for item in link_selectors(raw, region, context, source="text"):
            out.append(item)
    # Bare t.me/… and wa.me/… without a scheme are common in ads.
    for match in re.finditer(
        r"(?<![\w./])((?:t\.me|telegram\.me|wa\.me|instagram\.com|tiktok\.com|x\.com|"
        r"twitter\.com)/[^\s<>\"']+)",
        text,
        re.IGNORECASE,
    ):
        raw = _clean_url(match.group(1))
        context = _context(text, match.start(), match.start() + len(raw))
        out += link_selectors("https://" + raw, region, context, source="text")
    # tel:, viber:// and the like written out in a message or a document.
    for match in _SCHEME_LINK.finditer(text):
        raw = _clean_url(match.group(1))
        out += link_selectors(raw, region, _context(text, match.start(), match.start() + len(raw)), source="text")
    return out


_LINKED = ("http", "ftp", "www.", "tel:", "callto:", "sms:", "viber:", "tg:", "sgnl:", "HTTP", "WWW.")
_SCHEME_LINK = re.compile(
    r"(?<![\w])((?:tel|callto|sms):\+?[\d().\-]{6,}\d|(?:viber|tg|sgnl)://[^\s<>\"']+)", re.IGNORECASE
)
# A host name written without a scheme: labels of letters, digits and hyphens, a TLD of letters.
_BARE_DOMAIN = re.compile(
    r"(?<![\w@./:\-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w@\-]|\.[A-Za-z0-9])"
)
# Names that are file names far more often than web sites, though some are TLDs too (.zip, .mov, .py).
FILE_EXTENSIONS = frozenset(
    "jpg jpeg png gif webp heic bmp tif tiff svg mp4 mov avi mkv webm mp3 m4a wav ogg opus aac pdf doc docx"
    " xls xlsx ppt pptx odt ods odp rtf txt csv json xml html htm md zip rar gz tgz tar bz2 xz exe dll apk"
    " dmg iso py js ts sh pl rs go rb php java class jar vcf ics eml mbox msg log ini cfg yaml yml toml".split()
)
# RFC 2606 / RFC 6761 names reserved for examples and tests are not in the Public Suffix List; they are
# accepted as domains on purpose, so demonstration and test material behaves like real material.
RESERVED_SUFFIXES = ("example", "test")


def bare_domains_in(text: str) -> list[Selector]:
    """Domains written without a scheme (``star-models.example``), known by the bundled Public Suffix
    List (or an RFC 2606 reserved name); not file names (``photo.jpg``) nor version numbers (``v1.2.3``).

    >>> [s.value for s in bare_domains_in("See star-models.example, photo.jpg, v1.2.3 and WWW.Bank.co.uk.")]
    ['star-models.example', 'bank.co.uk']
    """
    out = []
    for match in _BARE_DOMAIN.finditer(text):
        raw = match.group(1)
        labels = raw.split(".")
        last = labels[-1]
        if last.lower() in FILE_EXTENSIONS or (last[0].isupper() and not raw.isupper()):
            continue  # "contract.docx"; "end.Next" is two sentences run together, not a domain
        host = raw.lower()
        if last.lower() in RESERVED_SUFFIXES:
            if len(labels) < 2:
                continue
        else:
            suffix, domain, _ = public_suffix.split(host)
            if not suffix or not domain:
                continue
        out.append(Selector("domain", registrable_domain(host), raw, _context(text, match.start(), match.end())))
    return out


def dedupe(selectors: Iterable[Selector]) -> list[Selector]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for item in selectors:
        key = (item.kind, item.value, item.raw)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def extract_text(text: str, region: str | None = None) -> list[Selector]:
    """Every selector in a piece of visible text, in order of kind."""
    url_hits = urls_in(text, region)
    # A number inside a URL (wa.me/359…) is reported through the link, not again as loose text.
    masked = _mask(
        text,
        [piece for s in url_hits for piece in (s.raw, s.raw.removeprefix("https://")) if s.raw.startswith(_LINKED)],
    )
    emails = emails_in(masked)
    found = [
        *phones_in(masked, region),
        *emails,
        *url_hits,
        *bare_domains_in(_mask(masked, [s.raw for s in emails])),
        *handles_in(masked),
        *wallets_in(masked),
        *ibans_in(masked),
    ]
    return dedupe(found)


def extract_links(links: Iterable[tuple[str, str]], region: str | None = None) -> list[Selector]:
    """Selectors from (href, link text) pairs of a page."""
    out: list[Selector] = []
    for href, text in links:
        out += link_selectors(href, region, " ".join(text.split())[: 2 * CONTEXT])
    return dedupe(out)


def _mask(text: str, pieces: list[str]) -> str:
    for piece in sorted(set(pieces), key=len, reverse=True):
        if piece:
            text = text.replace(piece, " " * len(piece))
    return text
