"""The text inside documents (PDF via poppler's ``pdftotext``), for selectors and search.

Only for documents obtained as evidence (added files, downloads): the capture's own PDF is a render of
a page whose text the capture already holds.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

TIMEOUT = 120  # seconds; a hostile PDF must not hang a describe


@functools.cache
def pdftotext_version() -> str | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    result = subprocess.run([tool, "-v"], capture_output=True, text=True, timeout=30)
    line = (result.stderr or result.stdout).strip().splitlines()
    return line[0] if line else "pdftotext"


def pdf_text(path: Path) -> tuple[str | None, str | None]:
    """(text, error): the PDF's text in reading order, or why there is none."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None, "pdftotext (poppler-utils) is not installed"
    try:
        result = subprocess.run([tool, "-q", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"pdftotext gave no answer within {TIMEOUT} s"
    if result.returncode != 0:
        return None, f"pdftotext could not read this PDF (exit {result.returncode})"
    return result.stdout.decode("utf-8", errors="replace"), None
