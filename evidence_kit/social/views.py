"""The stored evidence of one capture, as the extractors read it: the WARC's responses and the DOM.

Extractors never see the live page: they read what was stored (the capture's WARC, read back with
warcio, and its rendered-DOM artefact), so every value they return names a record that is in the case.
The helpers here parse HTML with lxml (nothing executes) and name an element by a structural CSS
selector that selects exactly that element in the document it came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

from .model import Source

if TYPE_CHECKING:
    from lxml.html import HtmlElement

MAX_BODY = 32 << 20  # bytes of one response an extractor reads


@dataclass(frozen=True)
class Response:
    """One HTTP response record of the WARC."""

    record_id: str
    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")

    @property
    def is_json(self) -> bool:
        kind = self.content_type
        return kind.endswith("json") or kind == "application/ld+json"

    @property
    def is_feed(self) -> bool:
        kind = self.content_type
        return kind in ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def source(self, css_selector: str | None = None, json_path: str | None = None) -> Source:
        return Source(url=self.url, warc_record_id=self.record_id, css_selector=css_selector, json_path=json_path)


@dataclass
class View:
    """What one capture stored: the URL asked for, where it ended, every response, and the rendered DOM."""

    url: str
    final_url: str | None
    responses: list[Response] = field(default_factory=list)
    dom: str | None = None
    dom_digest: str | None = None
    reading: list[dict[str, Any]] = field(default_factory=list)  # what the reader did (capture record)

    def find(self, url: str) -> Response | None:
        """The answered (non-redirect) response for ``url``, the first one recorded."""
        wanted = urldefrag(url)[0]
        for response in self.responses:
            if response.url == wanted and not 300 <= response.status < 400:
                return response
        return None

    @property
    def main(self) -> Response | None:
        """The main document: the answer at the final URL (else at the URL asked for)."""
        for url in (self.final_url, self.url):
            if url:
                found = self.find(url)
                if found is not None:
                    return found
        return None

    def redirects(self) -> list[Response]:
        """The redirect hops from the URL asked for, in order."""
        hops, url, seen = [], self.url, set()
        while url not in seen:
            seen.add(url)
            hop = next((r for r in self.responses if r.url == url and 300 <= r.status < 400), None)
            if hop is None or not hop.header("location"):
                break
            hops.append(hop)
            url = urljoin(url, hop.header("location") or "")
        return hops

    def fetched(self) -> list[Response]:
        """Responses the reader asked for on purpose (next pages, actor, outbox, feeds), in order."""
        out = []
        for step in self.reading:
            url = step.get("url")
            if isinstance(url, str):
                found = self.find(url)
                if found is not None and found not in out:
                    out.append(found)
        return out

    def dom_source(self, css_selector: str | None = None) -> Source:
        return Source(dom=self.dom_digest, css_selector=css_selector, url=self.final_url or self.url)


def read_warc(path: Path) -> list[Response]:
    """Every response record of a WARC, with its record id (bodies beyond MAX_BODY are cut)."""
    from warcio.archiveiterator import ArchiveIterator

    out = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            try:
                status = int(record.http_headers.get_statuscode())
            except (TypeError, ValueError):
                continue
            out.append(
                Response(
                    record.rec_headers.get_header("WARC-Record-ID") or "",
                    record.rec_headers.get_header("WARC-Target-URI") or "",
                    status,
                    tuple(record.http_headers.headers),
                    record.content_stream().read(MAX_BODY),
                )
            )
    return out


# --- HTML helpers ------------------------------------------------------------------------------------
def parse_html(text: str) -> HtmlElement | None:
    import lxml.html

    try:
        return lxml.html.document_fromstring(text) if text.strip() else None
    except (ValueError, TypeError, lxml.etree.ParserError):
        return None


def css_path(element: HtmlElement) -> str:
    """A CSS selector that selects exactly this element: tag names with :nth-of-type from the root."""
    parts = []
    node: Any = element
    while node is not None and isinstance(node.tag, str):
        parent = node.getparent()
        if parent is None:
            parts.append(node.tag)
            break
        same = [c for c in parent if c.tag == node.tag]
        parts.append(f"{node.tag}:nth-of-type({same.index(node) + 1})" if len(same) > 1 else node.tag)
        node = parent
    return " > ".join(reversed(parts))


def by_class(root: Any, name: str) -> list[HtmlElement]:
    """Descendants carrying the class ``name`` (document order)."""
    return list(root.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"))


def first_class(root: Any, name: str) -> HtmlElement | None:
    found = by_class(root, name)
    return found[0] if found else None


def text_of(element: Any) -> str:
    """The element's text as a reader sees it: <br> as line breaks, white space folded per line."""
    import copy

    clone = copy.deepcopy(element)
    for br in clone.iter("br"):
        br.tail = "\n" + (br.tail or "")
    lines = [" ".join(line.split()) for line in clone.text_content().split("\n")]
    return "\n".join(line for line in lines if line).strip()


def meta(root: Any, name: str) -> tuple[str, HtmlElement] | None:
    """The content of <meta property|name=name> and its element."""
    for element in root.xpath(".//meta[@property=$n or @name=$n]", n=name):
        content = element.get("content")
        if content is not None and content.strip():
            return content.strip(), element
    return None


def walk_json(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Every (JSON path, value) in a JSON document, depth first."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk_json(item, f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_json(item, f"{path}[{index}]")


def parse_count(raw: str) -> int | None:
    """'1.2K', '3,4 тыс.', '12 345', '2M' → an integer (None when no number is there)."""
    import re

    text = raw.strip().lower().replace("\u00a0", " ").replace("\u202f", " ")
    match = re.search(r"(\d[\d\s.,']*)\s*([kmb]|тыс|млн|тис|млрд)?", text)
    if not match:
        return None
    number, unit = match.group(1).strip(), match.group(2)
    scale = {"k": 1000, "тыс": 1000, "тис": 1000, "m": 1_000_000, "млн": 1_000_000, "b": 10**9, "млрд": 10**9}.get(
        unit or "", 1
    )
    if scale > 1:
        number = number.replace(" ", "").replace(",", ".")
        try:
            whole, _, frac = number.partition(".")
            value = int(whole or "0") * scale + (int(frac[:3].ljust(3, "0")) * scale // 1000 if frac else 0)
            return value
        except ValueError:
            return None
    digits = re.sub(r"[\s.,']", "", number)
    return int(digits) if digits.isdigit() else None
