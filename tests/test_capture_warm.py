"""A capture loads what the description after its last page needs while the browser works, and its pages
are described through one exiftool (issue 16)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from evidence_kit.errors import OperationFailed
from evidence_kit.metadata import describe, exif, public_suffix, selectors
from evidence_kit.sample_site import serve


def test_warm_loads_the_describers_libraries_and_the_public_suffix_list():
    public_suffix._tree.cache_clear()
    describe.warm()
    assert public_suffix._tree.cache_info().currsize == 1  # the list is read once, here
    for module in ("exiftool", "imagehash", "lxml.html", "magic", "warcio.archiveiterator"):
        assert module in sys.modules, module


def test_warm_never_raises(monkeypatch):
    def broken() -> None:
        raise RuntimeError("no list")

    monkeypatch.setattr(selectors, "load_suffix_list", broken)
    describe.warm()  # the description itself meets (and reports) what failed here


@pytest.mark.browser
def test_one_exiftool_describes_every_page_of_a_capture_and_is_gone_after_it(cli, tmp_path, monkeypatch):
    """Each page is described as it is stored; all of them read through one exiftool process, started
    while Chromium starts and closed with the command (before: Perl started again for every page)."""
    real = shutil.which("exiftool")
    assert real is not None
    starts = tmp_path / "exiftool-starts"
    folder = tmp_path / "bin"
    folder.mkdir()
    wrapper = folder / "exiftool"  # the real exiftool, each start written down (exec keeps the pid)
    wrapper.write_text(f'#!/bin/sh\necho $$ >> "{starts}"\nexec "{real}" "$@"\n', "utf-8")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    site = serve.start()
    try:
        assert cli("case", "create", "OP-EXIF", "--title", "ads", "--investigator", "Insp. A. Petrova").exit_code == 0
        pages = [site.url("/ad/17.html"), site.url("/ad/18.html"), site.url("/profile/anna.k.html")]
        result = cli("capture", *pages, "--case", "OP-EXIF", "--allow-private", "--no-video", "--json")
    finally:
        site.stop()
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [r["status"] for r in records] == ["complete"] * 3
    print("STARTS", starts.read_text("utf-8").split())
    (pid,) = starts.read_text("utf-8").split()
    events = json.loads(cli("ledger", "OP-EXIF", "--json").output)
    described = [e["details"] for e in events if e["action"] == "describe"]
    assert sorted(c for d in described for c in d["captures"]) == sorted(r["id"] for r in records)
    for details in described:  # every page's photos were read by exiftool, none failed
        assert {"name": "exiftool", "version": "exiftool " + subprocess_version(real)} in details["extractors"]
        assert not [e for e in details["errors"] if "exiftool" in e], details["errors"]
    status = Path(f"/proc/{pid}/status")
    assert not status.exists() or "zombie" in status.read_text()  # closed with the command


def subprocess_version(exiftool: str) -> str:
    return subprocess.run([exiftool, "-ver"], capture_output=True, text=True, check=True).stdout.strip()


def test_a_kept_exiftool_serves_each_batch_of_its_thread_and_replaces_a_dead_one(photo_file):
    paths = [photo_file(f"p{i}.jpg", seed=i, gps=(10 + i, 20 + i)) for i in range(2)]
    kept = exif.KeptRunning()
    exif.keep_running(kept)
    try:
        with exif.batch() as tool:
            pid = tool.pid
            (first,) = tool.read(paths[:1])
        with exif.batch() as tool:
            assert tool.pid == pid  # the second batch read through the same process
        others: list[int] = []
        thread = threading.Thread(target=lambda: others.append(_pid_of_a_batch()))
        thread.start()
        thread.join()
        assert others and others[0] != pid  # another thread still gets a process of its own
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while tool.running and time.monotonic() < deadline:
            time.sleep(0.02)
        with exif.batch() as tool:
            assert tool.pid != pid  # the dead one replaced, as a fresh batch would be
            (second,) = tool.read(paths[1:])
            replacement = tool.pid
    finally:
        exif.keep_running(None)
        kept.close()
    assert first.gps is not None and first.gps.latitude == "10.000000"
    assert second.gps is not None and second.gps.latitude == "11.000000"
    status = Path(f"/proc/{replacement}/status")
    assert not status.exists() or "zombie" in status.read_text()
    with pytest.raises(OperationFailed):
        kept.tool()


def _pid_of_a_batch() -> int:
    with exif.batch() as tool:
        return tool.pid
