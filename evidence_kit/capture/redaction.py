"""Secrets out of the evidence: cookie, token and credential values replaced before anything is stored.

A capture's traffic carries the investigator's session with the site: the ``Cookie`` and ``Set-Cookie``
headers, ``Authorization``, CSRF tokens, and (with a persona) the undercover account's whole session. A
bundle handed to the defence must not let anyone take that session over. So, once a page capture is
over and before its first byte is stored (``session.store`` calls :func:`redact` first; the WARC, HAR,
DOM, MHTML and text writers only ever see the redacted capture), every such value is replaced:

- in the headers named in :data:`COOKIE_HEADERS`, :data:`CREDENTIAL_HEADERS`, CSRF headers (any name
  holding ``csrf`` or ``xsrf``) and token headers (:func:`is_token_header`: X-Auth-Token, X-Session-Id,
  X-Api-Key, …), the value is replaced by a marker ``redacted:hmac-sha256:<key id>:<hash>``
  (the cookie names and attributes stay);
- everywhere else (bodies, URLs, other headers, the DOM, MHTML, text, downloads) each occurrence of a
  secret value is replaced by a marker of the **same length** (``REDACTED-<hash>…``), so offsets and
  lengths of everything around it stay as the server sent them (values that could not be tokens, see
  :func:`hunted`, are replaced only in their headers), and each replacement is declared
  (artefact, place, offset, length, name, keyed hash) in the capture record and in the WARC record
  itself (``X-Evidence-Kit-Redacted``).

The hash is HMAC-SHA-256 under a key the persona keeps (``personas/``): equal values show equal, the
persona's holder can prove what a marker stood for, and nobody else can recover it. A public capture
(no persona) uses a one-time key that is not kept. Screenshots, the PDF and the video are pictures of
the page and cannot be redacted (the PDF's text parts, its document information and link addresses, are);
when a secret was part of the page's visible text the record says so. A secret is looked for in each
form :func:`disguises` lists (escaped for JSON, HTML or URLs, base64), not only as it was sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets as random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from .outcome import PageCapture
from .recorder import Exchange

MIN_SCANNED = 8  # shorter values are replaced in their headers but not searched for elsewhere


def hunted(value: str) -> bool:
    """Whether a secret value is searched for beyond its own header: one that could be a token (8 bytes or
    more, and a digit in it unless 16 or more). A cookie ``consent=accepted`` is replaced in its header,
    but the word "accepted" in a page is left alone: a random token of 8-15 letters without a digit is
    rare, a word of 8-15 letters is not."""
    size = len(value.encode("utf-8"))
    return size >= 16 or (size >= MIN_SCANNED and any(ch.isdigit() for ch in value))


def _escaped(value: str, style: str) -> str:
    """``value`` with every character that is not an ASCII letter or digit written as ``style``."""
    return "".join(ch if ch.isascii() and ch.isalnum() else style.format(ord(ch)) for ch in value)


def _base64_cores(value: str) -> set[str]:
    """The base64 characters that stand for ``value`` wherever it sits in a base64-encoded text (at each
    of the three alignments, standard and URL-safe alphabets): the groups that also hold the bytes
    before or after it are left out, so at most two bytes at each end are not covered."""
    data = value.encode("utf-8")
    cores = set()
    for shift in range(3):
        padded = b"\0" * shift + data
        encoded = base64.b64encode(padded).decode("ascii")
        start = 4 if shift else 0
        end = len(encoded) if len(padded) % 3 == 0 else (len(padded) // 3) * 4
        core = encoded[start:end]
        if len(core) >= 12:
            cores |= {core, core.replace("+", "-").replace("/", "_")}
    return cores


def disguises(value: str) -> set[str]:
    """The forms a site may write a secret value in, each searched for and replaced: as is;
    percent-encoded (upper or lower case hex, ``+`` for a space) and, for a value sent percent-encoded
    (a cookie), its decoded form too; JSON-escaped (``\\/``, ``\\u002f``) and HTML character references
    (``&#x2F;``, ``&#47;``) for every character that is not a letter or digit; base64
    (:func:`_base64_cores`). A page that mixes escapes within one value is not covered."""
    forms: set[str] = set()
    for plain in {value, unquote(value)}:
        percent = quote(plain, safe="")
        forms |= {plain, percent, _LOWER_HEX.sub(lambda m: m.group().lower(), percent), percent.replace("%20", "+")}
        forms.add(plain.replace("/", "\\/"))
        for style in ("\\u{:04x}", "\\u{:04X}", "&#x{:X};", "&#x{:x};", "&#{:d};"):
            forms.add(_escaped(plain, style))
        forms |= _base64_cores(plain)
    return {form for form in forms if len(form.encode("utf-8")) >= MIN_SCANNED}


_LOWER_HEX = re.compile(r"%[0-9A-F]{2}")


_TOKEN_KEY = re.compile(r"token|session|secret|csrf|xsrf|api_?key|auth|password|credential", re.I)


def within(value: str, name: str) -> list[tuple[str, str]]:
    """``value`` and, when it is JSON (a web app's local storage often is: ``{"token": "…", "user": …}``),
    each string in it under a key that names a credential: the token is sent and echoed on its own."""
    found = [(value, name)]
    if not value.lstrip().startswith(("{", "[")):
        return found
    try:
        data = json.loads(value)
    except ValueError:
        return found

    def walk(item: Any, key: str) -> None:
        if isinstance(item, dict):
            for k, v in item.items():
                walk(v, str(k))
        elif isinstance(item, list):
            for v in item:
                walk(v, key)
        elif isinstance(item, str) and key and _TOKEN_KEY.search(key) and item:
            found.append((item, f"{name} ({key})"))

    walk(data, "")
    return found


COOKIE_HEADERS = frozenset({"cookie", "set-cookie", "set-cookie2"})
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})
# Hidden form fields and meta tags that carry a page's CSRF token (Rails, Django, Laravel, Spring, …).
_CSRF_NAME = r"(?:[\w.-]*(?:csrf|xsrf)[\w.-]*|authenticity_token|_token|__RequestVerificationToken)"
_CSRF_FIELDS = (
    re.compile(
        rb"<(?:input|meta)\b[^>]*?\b(?:name|id)\s*=\s*[\"']?" + _CSRF_NAME.encode() + rb"[\"']?[^>]*?"
        rb"\b(?:value|content)\s*=\s*[\"']([^\"'<>]+)[\"']",
        re.I,
    ),
    re.compile(
        rb"<(?:input|meta)\b[^>]*?\b(?:value|content)\s*=\s*[\"']([^\"'<>]+)[\"'][^>]*?"
        rb"\b(?:name|id)\s*=\s*[\"']?" + _CSRF_NAME.encode() + rb"[\"'\s/>]",
        re.I,
    ),
    # The same tokens, and the session's own, as JSON in a script or an API answer
    # ("csrf_token": "…", "access_token": "…", "sessionid": "…"; Instagram, Facebook and SPAs embed them).
    re.compile(
        rb"[\"'](?:[\w.-]*(?:csrf|xsrf)[\w.-]*|access_?token|refresh_?token|id_token|auth_?token|session_?id"
        rb"|session_?token)[\"']\s*:\s*[\"']([^\"'\\\s<>]{8,})[\"']",
        re.I,
    ),
)
SCANNED_FILES = ("dom", "text", "mhtml")  # the page's own words; screenshots, PDF and video are pictures
PICTURES = (
    ("screenshot", "full-page screenshot"),
    ("screenshot-viewport", "viewport screenshot"),
    ("pdf", "PDF"),
    ("video", "video"),
)


def is_csrf_header(name: str) -> bool:
    lower = name.lower()
    return "csrf" in lower or "xsrf" in lower


# Headers whose name says they carry a credential a site hands out or reads besides cookies
# (X-Auth-Token, X-Access-Token, X-Session-Id, X-Api-Key, X-Guest-Token, …).
_TOKEN_WORDS = ("token", "session", "api-key", "apikey", "x-auth", "secret", "x-amz-security")
_NOT_TOKEN = frozenset({"www-authenticate", "authentication-info", "access-control-allow-headers"})


def is_token_header(name: str) -> bool:
    lower = name.lower()
    return lower not in _NOT_TOKEN and any(word in lower for word in _TOKEN_WORDS)


@dataclass(frozen=True)
class Key:
    """The HMAC key markers are made with; ``key_id`` names it without revealing it."""

    secret: bytes
    kind: str  # "persona" or "one-time"
    persona: str | None = None

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"evidence-kit-redaction-key\0" + self.secret).hexdigest()[:16]

    def digest(self, value: str) -> str:
        return hmac.new(self.secret, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def marker(self, value: str) -> str:
        return f"redacted:hmac-sha256:{self.key_id}:{self.digest(value)}"

    def to_json(self) -> dict[str, Any]:
        if self.kind == "persona":
            note = f"the HMAC key of persona {self.persona}, kept with the persona (never in a case)"
        else:
            note = "a one-time key made for this capture and not kept: equal values show equal in this capture"
        return {"algorithm": "HMAC-SHA-256", "key_id": self.key_id, "kind": self.kind, "note": note}


def one_time_key() -> Key:
    return Key(random.token_bytes(32), "one-time")


def same_length_marker(digest: str, length: int) -> bytes:
    """``length`` ASCII bytes standing for a secret: ``REDACTED-`` and its keyed hash, repeated to fit."""
    text = "REDACTED-" + digest * (1 + length // 64)
    return text[:length].encode("ascii") if length >= 9 else b"X" * length


@dataclass(frozen=True)
class Secret:
    value: str
    name: str  # what it is: "cookie session", "header X-CSRF-Token", "persona localStorage token", …


@dataclass(frozen=True)
class Policy:
    """What to redact: always credentials and CSRF tokens; cookies unless kept (public captures only)."""

    key: Key
    known: tuple[Secret, ...] = ()  # the persona's stored values, and its cookies at the end of the capture
    keep_cookies: bool = False
    csrf_fields: bool = False  # also values of CSRF form fields and meta tags in HTML (persona captures)


@dataclass
class Redactions:
    """Every replacement made, for the capture record (``redaction``)."""

    policy: Policy
    headers: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    visible: list[str] = field(default_factory=list)  # names of secrets found in the page's visible text
    seen: dict[str, str] = field(default_factory=dict)  # every secret value → its name (never in the record)

    def to_json(self) -> dict[str, Any]:
        policy = self.policy
        redacted = ["Authorization", "Proxy-Authorization", "CSRF-token headers", "token, session and API-key headers"]
        if not policy.keep_cookies:
            redacted[:0] = ["Cookie", "Set-Cookie"]
        record: dict[str, Any] = {
            "key": policy.key.to_json(),
            "headers_redacted": redacted,
            "cookies_kept": policy.keep_cookies,
            "header_marker": "redacted:hmac-sha256:<key id>:<HMAC-SHA-256 of the value, hex>",
            "same_length_marker": "REDACTED-<HMAC-SHA-256 hex, repeated to the length of the value> (X… below 9 bytes)",
            "headers": self.headers,
            "places": self.places,
            "not_redactable": (
                "the screenshots, the PDF and the video are pictures of the page: a secret shown on screen "
                "would be in them"
            ),
        }
        if policy.keep_cookies:
            record["note"] = "--keep-cookies: the Cookie and Set-Cookie values are stored as they were sent"
        return record


def _cookie_pairs(value: str) -> list[tuple[str, str]]:
    pairs = []
    for part in value.split(";"):
        name, eq, rest = part.strip().partition("=")
        if eq:
            pairs.append((name.strip(), rest.strip()))
    return pairs


class Redactor:
    """One capture's secrets (found in its traffic and given by the persona), and the replacing of them."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.key = policy.key
        self.secrets: dict[str, str] = {}  # value -> name
        for secret in policy.known:
            for value, name in within(secret.value, secret.name):
                self._learn(value, name)

    def _learn(self, value: str, name: str) -> None:
        if value and value not in self.secrets:
            self.secrets[value] = name

    # -- collecting ----------------------------------------------------------------------------------

    def learn_headers(self, headers: Iterable[tuple[str, str]]) -> None:
        for name, value in headers:
            lower = name.lower()
            if lower in COOKIE_HEADERS and not self.policy.keep_cookies:
                if lower == "cookie":
                    for cookie, cookie_value in _cookie_pairs(value):
                        self._learn(cookie_value, f"cookie {cookie}")
                else:
                    first = value.split(";", 1)[0]
                    cookie, _, cookie_value = first.partition("=")
                    self._learn(cookie_value.strip(), f"cookie {cookie.strip()}")
            elif lower in CREDENTIAL_HEADERS:
                scheme, _, credentials = value.strip().partition(" ")
                self._learn(credentials.strip() if credentials else value.strip(), f"header {name}")
            elif is_csrf_header(name) or is_token_header(name):
                self._learn(value.strip(), f"header {name}")

    def learn_csrf_fields(self, body: bytes) -> None:
        for index, pattern in enumerate(_CSRF_FIELDS):
            name = "token in the page's JSON" if index == len(_CSRF_FIELDS) - 1 else "CSRF field in the page"
            for match in pattern.finditer(body):
                try:
                    self._learn(match.group(1).decode("utf-8"), name)
                except UnicodeDecodeError:
                    continue

    # -- replacing -----------------------------------------------------------------------------------

    def _scanned(self) -> list[tuple[bytes, str, str]]:
        """(bytes to look for, secret value, its name), longest first, with the URL-encoded forms."""
        found: dict[bytes, tuple[str, str]] = {}
        for value, name in self.secrets.items():
            if not hunted(value):
                continue
            for form in disguises(value):
                found.setdefault(form.encode("utf-8"), (value, name))
        return sorted(((k, *v) for k, v in found.items()), key=lambda item: -len(item[0]))

    def replace(self, data: bytes) -> tuple[bytes, list[dict[str, Any]]]:
        """``data`` with every secret occurrence replaced by a same-length marker, and each replacement."""
        if not data:
            return data, []
        spans: list[tuple[int, int, str, str]] = []
        taken = bytearray(len(data))
        for needle, value, name in self._scanned():
            start = data.find(needle)
            while start != -1:
                end = start + len(needle)
                if not any(taken[start:end]):
                    spans.append((start, end, value, name))
                    taken[start:end] = b"\1" * len(needle)
                start = data.find(needle, end)
        if not spans:
            return data, []
        out = bytearray(data)
        places = []
        for start, end, value, name in sorted(spans):
            digest = self.key.digest(value)
            out[start:end] = same_length_marker(digest, end - start)
            places.append({"offset": start, "length": end - start, "name": name, "hmac_sha256": digest})
        return bytes(out), places

    def replace_mhtml(self, data: bytes) -> tuple[bytes, list[dict[str, Any]]]:
        """MHTML holds the HTML quoted-printable: a value may be cut by soft line breaks (``=\\r\\n``) or
        have characters written ``=XX``. Each occurrence is found in that form and its characters are
        replaced one for one, the line breaks left where they are (same length, same lines)."""
        data, places = self.replace(data)
        for needle, value, name in self._scanned():
            parts = []
            for byte in needle:
                char = re.escape(bytes([byte]))
                encoded = re.escape(f"={byte:02X}".encode())
                parts.append(b"(?:" + char + b"|" + encoded + b")")
            pattern = re.compile(b"(?:=\r?\n)?".join(parts))
            for match in list(pattern.finditer(data)):
                digest = self.key.digest(value)
                marker = same_length_marker(digest, match.end() - match.start())
                chunk = bytearray(data[match.start() : match.end()])
                for break_ in re.finditer(rb"=\r?\n", bytes(chunk)):
                    marker = (
                        marker[: break_.start()] + bytes(chunk[break_.start() : break_.end()]) + marker[break_.end() :]
                    )
                data = data[: match.start()] + marker + data[match.end() :]
                places.append(
                    {
                        "offset": match.start(),
                        "length": match.end() - match.start(),
                        "name": name,
                        "hmac_sha256": digest,
                        "form": "quoted-printable",
                    }
                )
        return data, places

    def replace_pdf(self, data: bytes) -> tuple[bytes, list[dict[str, Any]]]:
        """A PDF's text parts: as bytes (a title or link address in ASCII) and, where a title is not
        ASCII, as the UTF-16BE hex string Chromium writes (``<FEFF041B…>``), replaced by hex ``0058``
        (``X``) one character for one so the string stays valid and the offsets hold."""
        data, places = self.replace(data)
        for value, name in self.secrets.items():
            if not hunted(value):
                continue
            encoded = value.encode("utf-16-be").hex()
            for needle in {encoded.upper().encode(), encoded.encode()}:
                start = data.find(needle)
                while start != -1:
                    data = data[:start] + b"0058" * (len(needle) // 4) + data[start + len(needle) :]
                    places.append(
                        {
                            "offset": start,
                            "length": len(needle),
                            "name": name,
                            "hmac_sha256": self.key.digest(value),
                            "form": "UTF-16BE hex string, replaced by X characters",
                        }
                    )
                    start = data.find(needle, start + len(needle))
        return data, places

    def header_value(self, name: str, value: str) -> tuple[str, list[str]]:
        """A header line's value with its secrets replaced, and the names of what was replaced."""
        lower = name.lower()
        if lower in COOKIE_HEADERS and not self.policy.keep_cookies:
            if lower == "cookie":
                pairs = _cookie_pairs(value)
                names = [f"cookie {n}" for n, v in pairs if v]
                return "; ".join(f"{n}={self.key.marker(v) if v else ''}" for n, v in pairs), names
            first, sep, attributes = value.partition(";")
            cookie, eq, cookie_value = first.partition("=")
            if not eq or not cookie_value.strip():
                return value, []
            return f"{cookie.strip()}={self.key.marker(cookie_value.strip())}{sep}{attributes}", [
                f"cookie {cookie.strip()}"
            ]
        if lower in CREDENTIAL_HEADERS:
            scheme, _, credentials = value.strip().partition(" ")
            if credentials:
                return f"{scheme} {self.key.marker(credentials.strip())}", [f"header {name}"]
            return self.key.marker(value.strip()), [f"header {name}"]
        if (is_csrf_header(name) or is_token_header(name)) and value.strip():
            return self.key.marker(value.strip()), [f"header {name}"]
        replaced, places = self.replace(value.encode("utf-8", "surrogateescape"))
        if not places:
            return value, []
        return replaced.decode("utf-8", "surrogateescape"), [p["name"] for p in places]

    def text(self, value: str) -> str:
        replaced, places = self.replace(value.encode("utf-8", "surrogateescape"))
        return replaced.decode("utf-8", "surrogateescape") if places else value


def _headers(
    redactor: Redactor, headers: list[tuple[str, str]], where: dict[str, Any], out: Redactions
) -> list[tuple[str, str]]:
    kept = []
    for name, value in headers:
        new, names = redactor.header_value(name, value)
        if names:
            out.headers.append({**where, "header": name, "names": names})
        kept.append((name, new))
    return kept


def redact(page: PageCapture, policy: Policy) -> Redactions:
    """Replace every secret in ``page`` (in memory, before anything is stored); return what was replaced."""
    redactor = Redactor(policy)
    out = Redactions(policy)
    for exchange in page.exchanges:
        for hop in exchange.hops:
            redactor.learn_headers(hop.request_headers)
            redactor.learn_headers(hop.response_headers or [])
        if policy.csrf_fields and exchange.body:
            redactor.learn_csrf_fields(exchange.body)
    if policy.csrf_fields and page.files.get("dom"):
        redactor.learn_csrf_fields(page.files["dom"])
    for exchange in page.exchanges:
        _redact_exchange(redactor, exchange, out)
    # The address asked for too (the record's url, the WARC's warcinfo, the ledger): a login link or
    # a URL pasted from the persona's browser may carry its token.
    page.url = redactor.text(page.url)
    if page.final_url:
        page.final_url = redactor.text(page.final_url)
    if page.title:
        page.title = redactor.text(page.title)
    # What the record lists of the page: frames, pop-ups, dialogs, blocked requests (URLs with a token…),
    # and its error and warning sentences (which may quote a URL).
    page.errors = _in_strings(redactor, page.errors)
    page.warnings = _in_strings(redactor, page.warnings)
    page.frames = _in_strings(redactor, page.frames)
    page.popups = _in_strings(redactor, page.popups)
    page.dialogs = _in_strings(redactor, page.dialogs)
    page.blocked = _in_strings(redactor, page.blocked)
    # What the behaviours did (a social reader names every URL it fetched, and its errors quote them),
    # and why the main document was blocked or loading stopped.
    page.behaviours = _in_strings(redactor, page.behaviours)
    if page.main_blocked:
        page.main_blocked = _in_strings(redactor, [page.main_blocked])[0]
    if page.stopped:
        page.stopped = redactor.text(page.stopped)
    for download in page.downloads:  # the name a site gives a download may carry a token, like its URL
        download.url = redactor.text(download.url)
        download.suggested_filename = redactor.text(download.suggested_filename)
        download.error = redactor.text(download.error) if download.error else download.error
    for role in SCANNED_FILES:
        data = page.files.get(role)
        if not data:
            continue
        replace = redactor.replace_mhtml if role == "mhtml" else redactor.replace
        page.files[role], places = replace(data)
        out.places.extend({"artefact": role, **p} for p in places)
        if role == "text":
            out.visible = sorted({p["name"] for p in places})
    # The PDF is a picture of the page, but its document information (the page's title, the links'
    # addresses) is text: replaced the same way, same length, so its cross-reference offsets still hold.
    if page.files.get("pdf"):
        page.files["pdf"], places = redactor.replace_pdf(page.files["pdf"])
        out.places.extend({"artefact": "pdf", **p} for p in places)
    out.seen = dict(redactor.secrets)
    for download in page.downloads:
        if download.data:
            download.data, places = redactor.replace(download.data)
            out.places.extend({"artefact": "download", "url": download.url, **p} for p in places)
    pictures = [name for role, name in PICTURES if page.files.get(role)]
    if out.visible and pictures:
        page.warnings.append(
            f"a secret value ({', '.join(out.visible)}) was part of the page's visible text: it is redacted "
            f"in the text, DOM, MHTML and WARC, but the {', '.join(pictures)} (pictures, not redactable) may show it"
        )
    return out


def _in_strings(redactor: Redactor, items: list[Any]) -> list[Any]:
    """The same list of JSON-like dicts with every secret in their strings replaced (same length)."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redactor.text(value)
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return [clean(item) for item in items]


def _redact_exchange(redactor: Redactor, exchange: Exchange, out: Redactions) -> None:
    last = len(exchange.hops) - 1
    for index, hop in enumerate(exchange.hops):
        original_url = hop.url
        hop.url = redactor.text(hop.url)
        where = {"url": hop.url, "record": "request"}
        if hop.url != original_url:
            out.headers.append({**where, "header": "(target URI)", "names": ["secret in the URL"]})
        hop.request_headers = _headers(redactor, hop.request_headers, where, out)
        if hop.request_body:
            hop.request_body, hop.request_redactions = redactor.replace(hop.request_body)
            out.places.extend(
                {"artefact": "warc", "record": "request", "url": hop.url, **p} for p in hop.request_redactions
            )
        if hop.response_headers is not None:
            hop.response_headers = _headers(redactor, hop.response_headers, {"url": hop.url, "record": "response"}, out)
        if index == last and exchange.body:
            exchange.body, places = redactor.replace(exchange.body)
            exchange.redactions = places
            out.places.extend({"artefact": "warc", "record": "response", "url": hop.url, **p} for p in places)
