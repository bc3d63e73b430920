"""An office document handed over (DOCX, XLSX, PPTX, ODT, ODS, ODP): its text and who wrote it.

exiftool's reading of the same properties is in ``embedded`` (:mod:`.embedded`); this reads the
document's own XML, so the text is searchable and the author fields are there even without exiftool.
"""

from __future__ import annotations

from .. import office, selectors
from .base import Item, Out

PEOPLE = ("author", "last_modified_by", "company")


def describe(item: Item, out: Out) -> None:
    w = item.work
    if w.capture_id is not None and w.role != "download":
        return
    kind = office.kind_of(item.kind.mime, w.path)
    if kind is None:
        return
    document = office.read(w.path, kind)
    out.body["office"] = document.to_json()
    if document.macros:
        out.flags.append("macros")
    people = "\n".join(f"{k}: {document.metadata[k]}" for k in PEOPLE if document.metadata.get(k))
    out.selectors += [
        selectors.Selector(s.kind, s.value, s.raw, s.context, "metadata")
        for s in selectors.extract_text(people, item.region)
    ]
    if document.text:
        out.selectors += selectors.extract_text(document.text, item.region)
        out.text, out.title = document.text, document.metadata.get("title") or w.name
