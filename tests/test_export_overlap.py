"""An export copies evidence on worker threads while its Chromium starts and prints the report (issue 16).

What must stay true while things overlap: the PDF shows the pictures (printing waits for their copies),
a printer that fails stops the export with nothing left behind, and the default capture concurrency
follows the cores and the memory.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from evidence_kit.capture.concurrency import default_concurrency
from evidence_kit.errors import OperationFailed
from evidence_kit.export import bag, printing
from evidence_kit.export.bundle import export_case
from evidence_kit.export.job import ExportOptions


@pytest.fixture
def photo_case(make_case, tmp_path: Path):
    from PIL import Image

    case = make_case()
    photo = tmp_path / "photo.png"
    Image.new("RGB", (400, 300), (200, 30, 30)).save(photo)
    case.add_files([photo], case.identity(), source="handed over by W-3", then_pipeline=False)
    return case


@pytest.mark.browser
def test_the_report_waits_for_the_picture_it_prints_while_the_copy_is_slow(photo_case, tmp_path, monkeypatch):
    copy_one, print_one = bag.BagWriter._copy_one, printing._print
    printing_began = threading.Event()

    def slow_copy(self, source, rel, *args):  # type: ignore[no-untyped-def]
        if rel.endswith(".png"):
            # The photo lands only after Chromium began printing and had time to load the page (an
            # export that did not wait would print without it), or, when printing rightly waits for
            # it, after a while.
            if printing_began.wait(timeout=8):
                time.sleep(3)
        return copy_one(self, source, rel, *args)

    def watched_print(*args):  # type: ignore[no-untyped-def]
        printing_began.set()
        return print_one(*args)

    monkeypatch.setattr(bag.BagWriter, "_copy_one", slow_copy)
    monkeypatch.setattr(printing, "_print", watched_print)
    result = export_case(photo_case, photo_case.identity(), tmp_path / "bundle")
    pdf = result.path / "data" / "report" / "report.pdf"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    red = 0
    for page in tmp_path.glob("page*.png"):
        with Image.open(page) as image:
            rgb = image.convert("RGB")
            red += sum(
                1
                for r, g, b in (rgb.getpixel((x, y)) for x in range(rgb.width) for y in range(rgb.height))
                if r > 150 and g < 90 and b < 90
            )
    assert red > 500, red  # the red photo, blurred, is on a page (a missing file prints its alt text)
    assert "data/report/report.pdf" in result.files


@pytest.mark.browser
def test_a_printer_that_cannot_start_stops_the_export_and_leaves_nothing(photo_case, tmp_path):
    events = photo_case.ledger.count()
    out = tmp_path / "exports"
    out.mkdir()
    with pytest.raises(OperationFailed, match="printing to PDF failed"):
        export_case(photo_case, photo_case.identity(), out / "bundle", options=ExportOptions(chromium="/bin/false"))
    assert list(out.iterdir()) == []  # neither the bundle nor its staging folder
    assert photo_case.ledger.count() == events  # no export event for a bundle that was not written


def test_default_concurrency_follows_the_cores_the_memory_and_the_browser_bound():
    assert default_concurrency(cores=2, free_mib=20_000) == 4  # two per core
    assert default_concurrency(cores=1, free_mib=20_000) == 2
    assert default_concurrency(cores=16, free_mib=100_000) == 6  # 3 GiB browser bound, 512 MiB a capture
    assert default_concurrency(cores=16, free_mib=100_000, browser_mib=8192) == 8  # the CLI's upper limit
    assert default_concurrency(cores=8, free_mib=1_000) == 1  # little free memory: one at a time
    assert default_concurrency(cores=2, free_mib=100, browser_mib=256) == 1  # never 0
    assert 1 <= default_concurrency() <= 8
