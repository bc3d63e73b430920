"""Page metadata from the rendered DOM: title, language, canonical URL, description, OpenGraph and
Twitter-card tags, JSON-LD and microdata (schema.org), outlinks with their text, forms and what they ask.

The DOM is the ``dom`` artefact of a capture (the browser's rendered HTML). Parsing never executes
anything; lxml reads it as text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from chain_of_custody.canonical import floats_as_text

# What a form field asks for, by words in its name, id, label or placeholder (several languages:
# recruitment ads target Bulgarian, Romanian, Ukrainian, Russian, Spanish speakers).
ASKS = {
    "passport": r"passport|паспорт|pasaport|pașaport|pasaporte|reisepass|passeport|paszport",
    "id-document": r"\bid\b|id.?card|identity|лична карта|егн|buletin|cnp|dni|ausweis|personal.?number|"
    r"national.?id|пин\b",
    "phone": r"phone|tel|mobile|gsm|телефон|тел\b|мобилен|telefon|teléfono|whats\s?app|viber",
    "email": r"e-?mail|имейл|пощa|correo|courriel",
    "date-of-birth": r"birth|dob|рожден|възраст|age\b|vârst|edad|geburt|naissance|born",
    "photo": r"photo|picture|selfie|снимк|фото|foto|imagen|bild",
    "address": r"address|адрес|adres|dirección|adresse|street|улица",
    "bank-card": r"card.?number|cvv|cvc|expiry|карта|iban|bank|банк",
    "password": r"password|парола|пароль|contraseña|passwort",
    "name": r"name|име|фамилия|nume|nombre|прізвище|имя",
    "body-measurements": r"height|weight|ръст|тегло|bust|waist|hips|размер|measurements",
}
_ASK_RE = {kind: re.compile(words, re.IGNORECASE) for kind, words in ASKS.items()}


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    rel: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"url": self.url, "text": self.text, "rel": self.rel}


@dataclass(frozen=True)
class FormField:
    name: str | None
    type: str
    label: str | None
    asks: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "label": self.label, "asks": list(self.asks)}


@dataclass(frozen=True)
class Form:
    action: str | None
    method: str
    fields: tuple[FormField, ...]

    @property
    def asks(self) -> list[str]:
        return sorted({kind for f in self.fields for kind in f.asks})

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "method": self.method,
            "asks": self.asks,
            "fields": [f.to_json() for f in self.fields],
        }


@dataclass(frozen=True)
class PageMetadata:
    title: str | None
    language: str | None
    canonical: str | None
    description: str | None
    opengraph: dict[str, list[str]] = field(default_factory=dict)
    twitter: dict[str, list[str]] = field(default_factory=dict)
    meta: dict[str, list[str]] = field(default_factory=dict)  # other <meta name=…> (author, keywords…)
    json_ld: list[Any] = field(default_factory=list)
    microdata: list[dict[str, Any]] = field(default_factory=list)
    schema_types: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # <img src>, og:image: what the page shows
    attributes_text: str = ""  # attribute values worth scanning for selectors (alt, title, data-*)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "language": self.language,
            "canonical": self.canonical,
            "description": self.description,
            "opengraph": self.opengraph,
            "twitter": self.twitter,
            "meta": self.meta,
            "json_ld": self.json_ld,
            "microdata": self.microdata,
            "schema_types": self.schema_types,
            "links": [link.to_json() for link in self.links],
            "forms": [form.to_json() for form in self.forms],
            "images": self.images,
        }


def _join(base: str, href: str) -> str:
    """An absolute URL; a malformed one (``http://[``) stays as written rather than failing the page."""
    try:
        return urljoin(base, href)
    except ValueError:
        return href


def _text(element: Any) -> str:
    return " ".join(element.text_content().split())


def _types_of(value: Any, out: set[str]) -> None:
    if isinstance(value, dict):
        kind = value.get("@type")
        for item in kind if isinstance(kind, list) else [kind]:
            if isinstance(item, str):
                out.add(item.rsplit("/", 1)[-1])
        for item in value.values():
            _types_of(item, out)
    elif isinstance(value, list):
        for item in value:
            _types_of(item, out)


def _microdata_item(element: Any, base: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": (element.get("itemtype") or "").split(), "properties": {}}
    if element.get("itemid"):
        item["id"] = element.get("itemid")
    stack = list(element.iterchildren())
    while stack:
        child = stack.pop(0)
        if not isinstance(child.tag, str):
            continue
        prop = child.get("itemprop")
        if prop:
            if child.get("itemscope") is not None:
                value: Any = _microdata_item(child, base)
            elif child.tag == "meta":
                value = child.get("content", "")
            elif child.tag in ("a", "link", "area"):
                value = _join(base or "", child.get("href", ""))
            elif child.tag in ("img", "audio", "video", "source", "iframe", "embed"):
                value = _join(base or "", child.get("src", ""))
            elif child.tag == "time" and child.get("datetime"):
                value = child.get("datetime")
            elif child.tag in ("data", "meter") and child.get("value") is not None:
                value = child.get("value")
            else:
                value = _text(child)
            for name in prop.split():
                item["properties"].setdefault(name, []).append(value)
            if child.get("itemscope") is not None:
                continue
        stack[0:0] = list(child.iterchildren())
    return item


def _label_for(form: Any, control: Any) -> str | None:
    ident = control.get("id")
    if ident:
        for label in form.iter("label"):
            if label.get("for") == ident:
                return _text(label) or None
    parent = control.getparent()
    while parent is not None and parent is not form:
        if parent.tag == "label":
            return _text(parent) or None
        parent = parent.getparent()
    return None


def _forms(root: Any, base: str | None) -> list[Form]:
    forms = []
    for form in root.iter("form"):
        fields = []
        for control in form.iter("input", "select", "textarea"):
            kind = (control.get("type") or ("text" if control.tag == "input" else control.tag)).lower()
            if kind in ("hidden", "submit", "button", "reset", "image"):
                continue
            label = _label_for(form, control)
            words = " ".join(
                filter(
                    None,
                    [
                        control.get("name"),
                        control.get("id"),
                        label,
                        control.get("placeholder"),
                        control.get("aria-label"),
                        control.get("autocomplete"),
                    ],
                )
            )
            asks = [k for k, pattern in _ASK_RE.items() if pattern.search(words)]
            if kind == "tel" and "phone" not in asks:
                asks.append("phone")
            if kind == "email" and "email" not in asks:
                asks.append("email")
            if kind == "file" and not ({"passport", "id-document", "photo"} & set(asks)):
                asks.append("file-upload")
            if kind == "password" and "password" not in asks:
                asks.append("password")
            fields.append(
                FormField(control.get("name"), kind, label or control.get("placeholder"), tuple(sorted(set(asks))))
            )
        action = form.get("action")
        forms.append(
            Form(
                _join(base or "", action) if action else None,
                (form.get("method") or "get").lower(),
                tuple(fields),
            )
        )
    return forms


def parse(html: str | bytes, url: str | None = None) -> PageMetadata:
    """Describe one HTML document; ``url`` resolves relative links (the capture's final URL)."""

    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        return PageMetadata(None, None, None, None)
    # lxml refuses str input that declares an encoding; the DOM artefact is already text.
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    root = _document(html)
    if root is None:
        return PageMetadata(None, None, None, None)
    base_el = root.find(".//base[@href]")
    base = _join(url or "", base_el.get("href")) if base_el is not None else url

    title_el = root.find(".//title")
    title = _text(title_el) if title_el is not None else None
    language = root.get("lang") or root.get("xml:lang")
    canonical = None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = _join(base or "", link.get("href"))
            break

    opengraph: dict[str, list[str]] = {}
    twitter: dict[str, list[str]] = {}
    meta: dict[str, list[str]] = {}
    description = None
    for tag in root.iter("meta"):
        key = (tag.get("property") or tag.get("name") or "").strip().lower()
        content = tag.get("content")
        if not key or content is None:
            if tag.get("http-equiv", "").lower() == "content-language" and not language:
                language = tag.get("content")
            continue
        if key.startswith("og:") or key.startswith("article:") or key.startswith("profile:"):
            opengraph.setdefault(key, []).append(content)
        elif key.startswith("twitter:"):
            twitter.setdefault(key, []).append(content)
        else:
            meta.setdefault(key, []).append(content)
            if key == "description" and description is None:
                description = content

    json_ld: list[Any] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json":
            try:
                json_ld.append(floats_as_text(json.loads(script.text or "")))
            except ValueError as exc:
                json_ld.append({"error": f"invalid JSON-LD: {exc}", "text": (script.text or "")[:2000]})

    microdata = [_microdata_item(el, base) for el in root.xpath("//*[@itemscope and not(@itemprop)]")]
    types: set[str] = set()
    _types_of(json_ld, types)
    for item in microdata:
        _collect_microdata_types(item, types)

    links = []
    for anchor in root.iter("a", "area"):
        href = anchor.get("href")
        if not href or href.startswith("#") or href.lower().startswith("javascript:"):
            continue
        absolute = href if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE) else _join(base or "", href)
        links.append(Link(absolute, _text(anchor)[:300], anchor.get("rel")))

    images = []
    for img in root.iter("img", "source"):
        for attr in ("src", "data-src", "data-original"):
            if img.get(attr) and not img.get(attr).startswith("data:"):
                images.append(_join(base or "", img.get(attr)))
        for candidate in (img.get("srcset") or "").split(","):
            src = candidate.strip().split(" ")[0]
            if src and not src.startswith("data:"):
                images.append(_join(base or "", src))
    images += [_join(base or "", v) for v in opengraph.get("og:image", [])]

    attributes = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name in ("alt", "title", "placeholder", "aria-label", "content", "value") or name.startswith("data-"):
                if value and len(value) < 2000:
                    attributes.append(value)

    return PageMetadata(
        title=title,
        language=language,
        canonical=canonical,
        description=description,
        opengraph=opengraph,
        twitter=twitter,
        meta=meta,
        json_ld=json_ld,
        microdata=microdata,
        schema_types=sorted(types),
        links=links,
        forms=_forms(root, base),
        images=list(dict.fromkeys(images)),
        attributes_text="\n".join(attributes),
    )


def _document(html: str) -> Any:
    """The parsed document, or None when there is no element at all (only comments, only junk)."""
    import lxml.etree
    import lxml.html

    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def _collect_microdata_types(item: dict[str, Any], out: set[str]) -> None:
    for kind in item.get("type", []):
        out.add(kind.rsplit("/", 1)[-1])
    for values in item.get("properties", {}).values():
        for value in values:
            if isinstance(value, dict):
                _collect_microdata_types(value, out)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def visible_text(html: str | bytes) -> str:
    """The text a reader sees (scripts, styles and templates dropped): for pages without a text artefact."""

    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    # Control characters are invisible, and lxml refuses to move them when it drops a script's tail.
    html = _CONTROL.sub(" ", html)
    if not html.strip():
        return ""
    root = _document(html)
    if root is None:
        return ""
    for element in root.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    lines = []
    for block in root.itertext():
        text = " ".join(block.split())
        if text:
            lines.append(text)
    return "\n".join(lines)
