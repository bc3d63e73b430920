"""Office documents handed over (DOCX, XLSX, PPTX, ODT, ODS, ODP): their text and who wrote them.

Both families are zips of XML: Office Open XML (ECMA-376: ``docProps/core.xml`` and ``app.xml`` for the
author, last editor, times and application) and OpenDocument (ISO/IEC 26300: ``meta.xml``). The zip
is checked with the bundle-opening rules (:func:`chain_of_custody.safezip.check_zip`) and only the XML
parts named below are read, each at most :data:`PART_LIMIT` bytes, with defusedxml (no DTDs, no
entities: a document is untrusted input). The times are as the document says; an application writes
them from the author's clock, so they tell what the file claims, not when it happened.

Macros are named, never run: a ``vbaProject.bin`` part (a ``.docm``/``.xlsm``/``.pptm`` or any OOXML
file carrying one, ECMA-376 and [MS-OVBA]) or an OpenDocument ``Basic/`` or ``Scripts/`` folder.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chain_of_custody import safezip

PART_LIMIT = 50 << 20  # bytes of one XML part read
TEXT_LIMIT = 5_000_000  # characters of text kept

OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    # the macro-enabled forms keep the same parts (plus the macros)
    "application/vnd.ms-word.document.macroenabled.12": "docx",
    "application/vnd.ms-excel.sheet.macroenabled.12": "xlsx",
    "application/vnd.ms-powerpoint.presentation.macroenabled.12": "pptx",
}
# Parts that hold macros (program code an office application may run when the file is opened).
# OOXML: the VBA project part; OpenDocument: a Basic module (not the library lists) or a script file.
MACRO_PARTS = re.compile(
    r"(?:[^/]+/)*vbaProject\.bin|Basic/[^/]+/(?!script-lb\.xml$|dialog-lb\.xml$)[^/]+\.xml|Scripts/[^/]+/.+",
    re.IGNORECASE,
)
MACROS_NOTE = (
    "the document holds macros (program code an office application may run when it is opened):"
    " open it only on an isolated machine"
)
ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
# Parts whose text is read, by format (patterns over the zip's member names).
TEXT_PARTS = {
    "docx": r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml",
    "xlsx": r"xl/(sharedStrings|worksheets/sheet\d+)\.xml",
    "pptx": r"ppt/(slides/slide\d+|notesSlides/notesSlide\d+)\.xml",
    "odt": r"content\.xml",
    "ods": r"content\.xml",
    "odp": r"content\.xml",
}
NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}
# Elements that end a line of text (paragraphs, table cells and rows, slides' paragraphs).
_BREAKS = {"p", "h", "tr", "si", "row", "table-row", "br", "tab", "c", "table-cell"}


@dataclass
class OfficeDocument:
    format: str  # "docx", "xlsx", …
    metadata: dict[str, str | None]
    text: str
    parts: list[str] = field(default_factory=list)  # the parts the text came from
    problems: list[str] = field(default_factory=list)
    macros: list[str] = field(default_factory=list)  # the parts holding macros

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": self.format,
            "metadata": self.metadata,
            "text_parts": self.parts,
            "characters": len(self.text),
            "problems": self.problems,
            "times_note": "created/modified are what the document says (the author's clock), not proven times",
        }
        if self.macros:
            out["macros"] = self.macros
            out["macros_note"] = MACROS_NOTE
        return out


def kind_of(mime: str, path: Path) -> str | None:
    """The office format of a file (from libmagic's type, else from the zip's own parts), or None."""
    if mime.lower() in OOXML:
        return OOXML[mime.lower()]
    if mime in ODF:
        return ODF[mime]
    if mime not in ("application/zip", "application/octet-stream"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as handle:  # read only its head: the part may be a bomb
                    declared = handle.read(100).decode("ascii", errors="replace").strip()
                return ODF.get(declared)
            if "[Content_Types].xml" in names:
                for part, kind in (
                    ("word/document.xml", "docx"),
                    ("xl/workbook.xml", "xlsx"),
                    ("ppt/presentation.xml", "pptx"),
                ):
                    if part in names:
                        return kind
    except safezip.ZIP_READ_ERRORS:
        return None
    return None


def _xml(archive: zipfile.ZipFile, name: str) -> Any:
    import defusedxml.ElementTree as ElementTree

    info = archive.getinfo(name)
    if info.file_size > PART_LIMIT:
        raise ValueError(f"{name} declares {info.file_size:,} bytes (more than {PART_LIMIT:,}): not read")
    with archive.open(info) as handle:
        data = handle.read(PART_LIMIT + 1)
    if len(data) > PART_LIMIT:
        raise ValueError(f"{name} holds more than {PART_LIMIT:,} bytes: not read")
    return ElementTree.fromstring(data)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text_of(root: Any) -> str:
    out: list[str] = []

    def walk(node: Any) -> None:
        name = _local(node.tag)
        if name == "c" and node.get("t") == "s":
            return  # a spreadsheet cell holding an index into sharedStrings.xml, whose text is read there
        if node.text and name not in ("instrText",):
            out.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                out.append(child.tail)
        if name in _BREAKS:
            out.append("\t" if name in ("tab", "c", "table-cell") else "\n")

    walk(root)
    text = "".join(out)
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _find(root: Any, path: str) -> str | None:
    found = root.find(path, NS)
    return " ".join(found.text.split()) if found is not None and found.text else None


def read(path: Path, kind: str) -> OfficeDocument:
    """Text and metadata of an office document (problems are recorded, not raised)."""
    problems: list[str] = []
    metadata: dict[str, str | None] = {}
    texts: list[str] = []
    parts: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except safezip.ZIP_READ_ERRORS as exc:
        return OfficeDocument(kind, {}, "", [], [f"not a readable zip ({exc})"])
    with archive:
        try:
            safezip.check_zip(archive)
        except safezip.UnsafeBundle as exc:
            return OfficeDocument(kind, {}, "", [], [f"not read: {exc}"])
        names = archive.namelist()
        macros = sorted(name for name in names if not name.endswith("/") and MACRO_PARTS.fullmatch(name))
        try:
            if kind in ("docx", "xlsx", "pptx"):
                if "docProps/core.xml" in names:
                    core = _xml(archive, "docProps/core.xml")
                    metadata.update(
                        {
                            "title": _find(core, "dc:title"),
                            "author": _find(core, "dc:creator"),
                            "last_modified_by": _find(core, "cp:lastModifiedBy"),
                            "created": _find(core, "dcterms:created"),
                            "modified": _find(core, "dcterms:modified"),
                            "revision": _find(core, "cp:revision"),
                        }
                    )
                if "docProps/app.xml" in names:
                    app = _xml(archive, "docProps/app.xml")
                    metadata.update(
                        {
                            "application": _find(app, "ep:Application"),
                            "application_version": _find(app, "ep:AppVersion"),
                            "company": _find(app, "ep:Company"),
                        }
                    )
            elif "meta.xml" in names:
                meta = _xml(archive, "meta.xml")
                metadata.update(
                    {
                        "title": _find(meta, "office:meta/dc:title"),
                        "author": _find(meta, "office:meta/meta:initial-creator"),
                        "last_modified_by": _find(meta, "office:meta/dc:creator"),
                        "created": _find(meta, "office:meta/meta:creation-date"),
                        "modified": _find(meta, "office:meta/dc:date"),
                        "revision": _find(meta, "office:meta/meta:editing-cycles"),
                        "application": _find(meta, "office:meta/meta:generator"),
                    }
                )
        except Exception as exc:  # noqa: BLE001  defusedxml and expat raise several types for hostile XML
            problems.append(f"document properties not read ({type(exc).__name__}: {exc})")
        pattern = re.compile(TEXT_PARTS[kind])
        for name in sorted(names, key=_natural):
            if not pattern.fullmatch(name):
                continue
            try:
                texts.append(_text_of(_xml(archive, name)))
                parts.append(name)
            except Exception as exc:  # noqa: BLE001  as above
                problems.append(f"{name} not read ({type(exc).__name__}: {exc})")
            if sum(len(t) for t in texts) > TEXT_LIMIT:
                problems.append(f"text cut at {TEXT_LIMIT:,} characters")
                break
    text = "\n".join(t for t in texts if t)[:TEXT_LIMIT]
    kept: dict[str, str | None] = {k: v for k, v in metadata.items() if v is not None}
    return OfficeDocument(kind, kept, text, parts, problems, macros)


def _natural(name: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))
