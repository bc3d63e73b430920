"""Add the annexes to an export bag: DOCX, HTML and PDF per annex, and annexes.json summing them up."""

from __future__ import annotations

import json

from ..job import ExportJob
from ..printing import print_pdfs
from .annex import build_annexes
from .render import render_html, write_docx

FOLDER = "data/mla"


def add_to_bag(job: ExportJob) -> None:
    """The annexes for the form in ``job.options``; none without a form."""
    contents, writer, lang, form = job.contents, job.writer, job.options.lang, job.options.mla_form
    if form is None:
        return
    annexes = build_annexes(contents, form, lang)
    job.mla_missing = list(annexes.missing)
    if annexes.untranslated:
        job.warnings.append(
            f"the annexes have {len(annexes.untranslated)} sentences with no {lang} translation, printed in English: "
            + "; ".join(sorted(annexes.untranslated)[:5])
        )
    prints = []
    for annex in annexes.annexes:
        docx_rel = f"{FOLDER}/{annex.stem}.docx"
        write_docx(annex, writer.path(docx_rel))
        writer.adopt(docx_rel)
        html_rel = f"{FOLDER}/{annex.stem}.html"
        writer.write_bytes(html_rel, render_html(annex).encode("utf-8"))
        prints.append(
            (
                writer.root / html_rel,
                writer.path(f"{FOLDER}/{annex.stem}.pdf"),
                f"{contents.case.id} — {annex.title}",
            )
        )
    summary = {
        "format": "evidence-kit-mla/1",
        "lang": lang,
        "missing_required_fields": annexes.missing,
        "providers": [
            {
                "name": p.name,
                "jurisdiction": p.jurisdiction,
                "hosts": p.hosts,
                "accounts": [
                    {
                        "identifiers": [{"kind": k, "value": v} for k, v in a.identifiers],
                        "exhibits": [e.number for e in a.exhibits],
                    }
                    for a in p.accounts.values()
                ],
            }
            for p in annexes.providers
        ],
        "documents": [f"{a.stem}.docx" for a in annexes.annexes],
    }
    writer.write_bytes(f"{FOLDER}/annexes.json", (json.dumps(summary, indent=2, ensure_ascii=False) + "\n").encode())
    if not prints:
        return
    pdfs = [pdf.relative_to(writer.root).as_posix() for _, pdf, _ in prints]
    if job.printer is not None:  # the export's Chromium, after the report: the export goes on meanwhile
        printed = job.printer.print_later(prints)
        for rel in pdfs:
            writer.adopt_later(rel, printed)
        return
    print_pdfs(prints, job.options.chromium, contents.case.settings.chromium)
    for rel in pdfs:
        writer.adopt(rel)
