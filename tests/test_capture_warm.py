"""A capture loads what the description after its last page needs while the browser works (issue 16)."""

from __future__ import annotations

import sys

from evidence_kit.metadata import describe, selectors


def test_warm_loads_the_describers_libraries_and_the_public_suffix_list():
    selectors._suffixes.cache_clear()
    describe.warm()
    assert selectors._suffixes.cache_info().currsize == 1  # the list is read once, here
    for module in ("exiftool", "imagehash", "lxml.html", "magic", "warcio.archiveiterator"):
        assert module in sys.modules, module


def test_warm_never_raises(monkeypatch):
    def broken() -> None:
        raise RuntimeError("no list")

    monkeypatch.setattr(selectors, "load_suffix_list", broken)
    describe.warm()  # the description itself meets (and reports) what failed here
