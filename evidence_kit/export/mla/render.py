"""Write an annex's neutral blocks as DOCX (editable, python-docx) or as HTML (printed to PDF; the template
is ``templates/mla_annex.html.j2``)."""

from __future__ import annotations

from pathlib import Path

from ..templating import render
from .annex import Annex


def write_docx(annex: Annex, path: Path) -> None:
    from docx import Document
    from docx.shared import Pt, RGBColor

    document = Document()
    document.core_properties.title = annex.title
    document.core_properties.language = annex.lang
    style = document.styles["Normal"]
    style.font.size = Pt(10)
    for kind, content in annex.blocks:
        if kind == "h1":
            document.add_heading(str(content), level=1)
        elif kind == "h2":
            document.add_heading(str(content), level=2)
        elif kind == "h3":
            document.add_heading(str(content), level=3)
        elif kind == "p":
            document.add_paragraph(str(content) if content else "—")
        elif kind == "list":
            for item in content:
                document.add_paragraph(str(item), style="List Bullet")
        elif kind == "warn":
            title, fields = content
            run = document.add_paragraph().add_run(title)
            run.bold = True
            run.font.color.rgb = RGBColor(0xB0, 0x00, 0x00)
            for name in fields:
                document.add_paragraph(name, style="List Bullet")
        elif kind in ("table", "grid"):
            rows = list(content)
            width = len(rows[0]) if rows else 2
            table = document.add_table(rows=0, cols=width)
            table.style = "Table Grid"
            for number, row in enumerate(rows):
                cells = table.add_row().cells
                for index, value in enumerate(row):
                    cells[index].text = "" if value is None else str(value)
                    if (kind == "table" and index == 0) or (kind == "grid" and number == 0):
                        for paragraph in cells[index].paragraphs:
                            for run in paragraph.runs:
                                run.bold = True
    document.save(str(path))


def render_html(annex: Annex) -> str:
    return render("mla_annex.html.j2", annex=annex)
