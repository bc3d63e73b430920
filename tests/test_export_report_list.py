"""The report of a case of many handed-over files (issue 16): an added file with no picture to show is one
row of the "Added files" table, saying everything its page said, so that hundreds of files print as an
exhibit list of a few pages instead of a page each; an added picture keeps its page.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from chain_of_custody.bundle import verify_bundle
from evidence_kit.export.bundle import export_case
from evidence_kit.export.contents import gather
from evidence_kit.export.report import render_html

FILES = 24


@pytest.fixture
def many_files_case(make_case, tmp_path: Path):
    from PIL import Image

    case = make_case()
    identity = case.identity()
    for number in range(FILES):
        handed = tmp_path / f"statement-{number:02}.txt"
        handed.write_text(f"witness statement {number}\n" * (number + 1), "utf-8")
        case.add_files([handed], identity, source=f"handed over by W-{number}", then_pipeline=False)
    photo = tmp_path / "photo.png"
    Image.new("RGB", (200, 150), (30, 30, 200)).save(photo)
    case.add_files([photo], identity, source="handed over by W-99", then_pipeline=False)
    return case


def test_each_added_file_is_a_row_saying_what_its_page_said(many_files_case):
    contents = gather(many_files_case)
    page = render_html(contents)
    sections = re.findall(r"<section class='exhibit' id='(\w+)'>", page)
    photo = next(e for e in contents.exhibits if e.title == "photo.png")
    assert sections == [photo.number]  # the picture keeps its page
    table = page[page.index("<table class='listed'>") :]
    table = table[: table.index("</table>")]
    rows = dict(re.findall(r"<tr id='(\w+)'>(.*?)</tr>", table, re.S))
    listed = [e for e in contents.exhibits if e is not photo]
    assert list(rows) == [e.number for e in listed]
    for exhibit in listed:
        row = rows[exhibit.number]
        artefact = exhibit.artefacts[0]
        assert f"Exhibit {exhibit.number}: {exhibit.title}" in row
        assert artefact.path.rsplit("/", 1)[-1] in row
        assert artefact.sha256.split(":", 1)[1] in row and artefact.blake3.split(":", 1)[1] in row
        assert f"{artefact.size:,} bytes" in row
        for fact in (
            f"original name: {exhibit.title}",
            f"source: {exhibit.event.details['source']}",
            f"added (UTC): {exhibit.event.time}",
            f"added by: {exhibit.event.actor}",
            f"custody event: {exhibit.event.seq}",
            "no RFC 3161 timestamp in this bundle covers its files yet",
        ):
            assert fact in row, (exhibit.number, fact)
    assert f"href='#{listed[0].number}'" in page  # the exhibit list links to the row


@pytest.mark.browser
def test_many_added_files_print_as_a_list_of_a_few_pages(many_files_case, tmp_path):
    result = export_case(many_files_case, many_files_case.identity(), tmp_path / "bundle")
    assert verify_bundle(result.path).ok
    pdf = result.path / "data" / "report" / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert pages < FILES // 2, pages  # a page per exhibit would be more than FILES
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = " ".join(text.split())
    for artefact in (a for a in gather(many_files_case).artefacts.values() if a.role == "added-file"):
        assert artefact.sha256.split(":", 1)[1] in words.replace(" ", "")
