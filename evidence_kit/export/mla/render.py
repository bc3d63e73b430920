"""Write an annex's neutral blocks as DOCX (editable, python-docx) or as HTML (printed to PDF)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from .annex import Annex


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


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
    parts = []
    for kind, content in annex.blocks:
        if kind in ("h1", "h2", "h3"):
            parts.append(f"<{kind}>{_e(content)}</{kind}>")
        elif kind == "p":
            parts.append(f"<p>{_e(content) or '—'}</p>")
        elif kind == "list":
            parts.append("<ul>" + "".join(f"<li>{_e(i)}</li>" for i in content) + "</ul>")
        elif kind == "warn":
            title, fields = content
            parts.append(
                f"<div class='warn'><strong>{_e(title)}</strong><ul>"
                + "".join(f"<li>{_e(f)}</li>" for f in fields)
                + "</ul></div>"
            )
        elif kind == "table":
            parts.append(
                "<table>"
                + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in content)
                + "</table>"
            )
        elif kind == "grid":
            rows = list(content)
            parts.append(
                "<table class='grid'><tr>"
                + "".join(f"<th>{_e(c)}</th>" for c in rows[0])
                + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
                + "</table>"
            )
    css = (
        "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10pt}h1{font-size:16pt}"
        "h2{font-size:12pt;border-bottom:1px solid #444}"
        "table{border-collapse:collapse;width:100%;margin:.3em 0}th,td{border:1px "
        "solid #999;padding:2px 4px;text-align:left;vertical-align:top;overflow-wrap:anywhere}"
        "th{background:#eee;"
        "width:28%}.grid th{width:auto}.grid td{font-size:8pt}.warn{border:2px solid "
        "#b00;color:#b00;padding:.3em}"
    )
    return (
        f"<!DOCTYPE html><html lang='{annex.lang}'><head><meta "
        f"charset='utf-8'><title>{_e(annex.title)}</title>"
        f"<style>{css}</style></head><body>{''.join(parts)}</body></html>"
    )

